// The permutohedral lattice shared by dense_crf and bilateral_filter: the
// embedding of one point (host and device), its range limits, and the host
// checks that keep every input inside them.
//
// Maths: Adams, Baek & Davis, "Fast High-Dimensional Filtering Using the
// Permutohedral Lattice" (Eurographics 2010), in the variant of Kraehenbuehl &
// Koltun, "Efficient Inference in Fully Connected CRFs with Gaussian Edge
// Potentials" (NIPS 2011). The constants (elevation scale sqrt(2/3) (d+1),
// rounding and ranking rule, barycentric weights, [1/2, 1, 1/2] blur, slice
// scale 1 / (1 + 2^-d)) follow the public densecrf code (Kraehenbuehl,
// BSD-like; packaged as pydensecrf, MIT). Written from those formulas;
// mmlabeleff/ops/permutohedral.py is the readable version.
//
// Files: permutohedral_cpu.h / .cpp (CPU lattice: build, splat, blur, slice),
// permutohedral_cuda.h / .cu (the same on CUDA), permutohedral.cpp (the host
// checks below).
//
// The same lattice on CPU and CUDA: which simplex a point falls in is a
// discontinuous function of its elevated coordinates, so their rounding must
// agree exactly. Every float operation of the embedding and of the
// normalisation is written with ph_add / ph_sub / ph_mul / ph_div: on the
// device they are the round-to-nearest intrinsics (__fadd_rn ...), which nvcc
// never contracts into fused multiply-adds; on the host they are plain
// operators, and permutohedral_cpu.cpp, where they run, is compiled without
// contraction (-ffp-contract=off, by pragma). Both devices, and the PyTorch
// reference (whose tensor ops round one by one), therefore build the same
// lattice with the same weights.
#pragma once

#include <ATen/ATen.h>

#include <cmath>
#include <cstdint>

#if defined(__CUDACC__)
#define PH_HD __host__ __device__ __forceinline__
#define PH_UNROLL _Pragma("unroll")
#else
#define PH_HD inline
#define PH_UNROLL _Pragma("GCC unroll 8")
#endif

namespace mmlabeleff {
namespace permutohedral {

// Key type and range. Lattice keys hold d integer coordinates as int16: the
// CUDA table stores int16 arrays; the CPU table packs 16-bit fields (biased by
// 2^15) into a 64- or 128-bit integer. Representable: [-32768, 32767].
//
// From an elevated point e (d+1 coordinates) to the keys that are used:
//  * vertex 0 (rem0) is the nearest point with coordinates that are multiples
//    of d+1: |rem0_i - e_i| <= (d+1)/2, plus d+1 when the rank wraps;
//  * the other simplex corners differ from rem0 by at most d+1 per coordinate;
//  * blur neighbours of a corner differ from it by at most d per coordinate.
// So every coordinate used is within |e_i| + 3.5 (d+1) (21 for d = 5).
//
// kMaxElevated is the bound the host checks (Python and the C++ entry points)
// enforce on max_i |e_i|, computed from the largest |feature|; 32000 keeps
// 32000 + 21 far inside int16. kKernelMaxElevated is the kernels' own check on
// the computed e (a safety net: a point beyond it is reported, never written):
// a little larger, so that float rounding of e (below 0.02 at this magnitude)
// never trips it for inputs the host check accepted.
constexpr double kMaxElevated = 32000.0;
constexpr float kKernelMaxElevated = 32700.f;
constexpr int kKeyBias = 1 << 15;

// Float operations that the compilers must not fuse (see the file comment).
PH_HD float ph_add(float a, float b) {
#ifdef __CUDA_ARCH__
  return __fadd_rn(a, b);
#else
  return a + b;
#endif
}

PH_HD float ph_sub(float a, float b) {
#ifdef __CUDA_ARCH__
  return __fsub_rn(a, b);
#else
  return a - b;
#endif
}

PH_HD float ph_mul(float a, float b) {
#ifdef __CUDA_ARCH__
  return __fmul_rn(a, b);
#else
  return a * b;
#endif
}

PH_HD float ph_div(float a, float b) {
#ifdef __CUDA_ARCH__
  return __fdiv_rn(a, b);
#else
  return a / b;
#endif
}

// 1 / sqrt(x), both correctly rounded.
PH_HD float ph_rsqrt(float x) {
#ifdef __CUDA_ARCH__
  return __fdiv_rn(1.0f, __fsqrt_rn(x));
#else
  return 1.0f / std::sqrt(x);
#endif
}

// Per-axis scale of the elevation matrix, sqrt(2/3) (d+1) / sqrt((i+1)(i+2)),
// rounded to float32 as densecrf does (the reference computes the same).
inline void elevation_scales(int d, float* scale) {
  const float inv_std = static_cast<float>(std::sqrt(2.0 / 3.0) * (d + 1));
  for (int i = 0; i < d; ++i)
    scale[i] = static_cast<float>(1.0 / std::sqrt(double((i + 2) * (i + 1))) * inv_std);
}

// Slice scale 1 / (1 + 2^-d) of densecrf.
inline float slice_alpha(int d) {
  return 1.0f / (1.0f + std::pow(2.0f, -static_cast<float>(d)));
}

// One point in the lattice: vertex 0 (rem0), the rank of each coordinate of
// its residual and the coordinate of each rank (by_rank), and the barycentric
// weights of the d+1 simplex corners. Corner r has coordinates
// rem0_i + (rank_i <= d - r ? r : r - (d+1)).
template <int D>
struct Embedding {
  int rem0[D + 1];
  int rank[D + 1];
  int by_rank[D + 1];
  float bary[D + 1];
};

// Embeds the d features f (already divided by the kernel's standard
// deviations) with the per-axis scales of elevation_scales(). Returns false,
// before any integer conversion or indexed write, when an elevated coordinate
// is not finite or beyond kKernelMaxElevated, or when a rank falls outside
// [0, d] (which only inconsistent float input could cause); `out` is then
// unusable and the caller reports an error. Branch-free where the outcome
// depends on the data (ranks of random residuals mispredict).
template <int D>
PH_HD bool embed_point(const float* f, const float* scale, Embedding<D>& out) {
  constexpr int D1 = D + 1;
  const float down = 1.0f / D1;
  const float up_f = static_cast<float>(D1);
  float elevated[D1];
  float sm = 0.f;
  PH_UNROLL
  for (int j = D; j > 0; --j) {
    const float cf = ph_mul(f[j - 1], scale[j - 1]);
    elevated[j] = ph_sub(sm, ph_mul(static_cast<float>(j), cf));
    sm = ph_add(sm, cf);
  }
  elevated[0] = sm;
  bool ok = true;
  PH_UNROLL
  for (int i = 0; i < D1; ++i)  // written so that NaN fails too
    ok = ok && (elevated[i] <= kKernelMaxElevated && elevated[i] >= -kKernelMaxElevated);
  if (!ok) return false;
  // nearest point whose coordinates are multiples of d+1
  int sum = 0;
  PH_UNROLL
  for (int i = 0; i < D1; ++i) {
    const float v = ph_mul(down, elevated[i]);
    const float up = ph_mul(ceilf(v), up_f);
    const float dn = ph_mul(floorf(v), up_f);
    out.rem0[i] = static_cast<int>(ph_sub(up, elevated[i]) < ph_sub(elevated[i], dn) ? up : dn);
    sum += out.rem0[i] / D1;
  }
  // rank of each residual coordinate: for i < j, the smaller residual ranks
  // higher (densecrf's rule; ties: j)
  float res[D1];
  PH_UNROLL
  for (int i = 0; i < D1; ++i) {
    res[i] = ph_sub(elevated[i], static_cast<float>(out.rem0[i]));
    out.rank[i] = 0;
  }
  PH_UNROLL
  for (int i = 0; i < D; ++i) {
    PH_UNROLL
    for (int j = i + 1; j < D1; ++j) {
      const int lt = res[i] < res[j];
      out.rank[i] += lt;
      out.rank[j] += 1 - lt;
    }
  }
  // shift the ranks by the remainder sum; wrap them into [0, d]
  PH_UNROLL
  for (int i = 0; i < D1; ++i) {
    out.rank[i] += sum;
    const int wrap = (out.rank[i] < 0) - (out.rank[i] > D);
    out.rank[i] += D1 * wrap;
    out.rem0[i] += D1 * wrap;
    ok = ok && out.rank[i] >= 0 && out.rank[i] <= D;
  }
  if (!ok) return false;  // checked before the ranks index anything
  PH_UNROLL
  for (int i = 0; i < D1; ++i) out.by_rank[out.rank[i]] = i;
  // barycentric weights: with u_k the scaled residual (e_i - rem0_i) / (d+1)
  // of the coordinate ranked d - k, b_k = u_k - u_{k-1} (k >= 1) and
  // b_0 = u_0 + (1 - u_d), the latter in double as densecrf's float + double
  // expression
  float u[D1];
  PH_UNROLL
  for (int k = 0; k < D1; ++k) {
    const int i = out.by_rank[D - k];
    u[k] = ph_mul(ph_sub(elevated[i], static_cast<float>(out.rem0[i])), down);
  }
#ifdef __CUDA_ARCH__
  out.bary[0] = static_cast<float>(
      __dadd_rn(static_cast<double>(u[0]), __dadd_rn(1.0, -static_cast<double>(u[D]))));
#else
  out.bary[0] = static_cast<float>(static_cast<double>(u[0]) +
                                   (1.0 + -static_cast<double>(u[D])));
#endif
  PH_UNROLL
  for (int k = 1; k < D1; ++k) out.bary[k] = ph_sub(u[k], u[k - 1]);
  return true;
}

// ---- host checks (permutohedral.cpp); all raise c10::ValueError, which
// Python sees as ValueError ------------------------------------------------

// `value` as the float32 the kernels use; raises unless it is finite and > 0
// in float32 (1e-50 rounds to 0, 1e300 to inf).
float check_sigma(const char* op, const char* name, double value);

// Largest |elevated coordinate| of points whose features satisfy
// |f_i| <= max_abs[i] (i < d): max over j of
//   sum_{i >= j} s_i max_abs[i] + j s_{j-1} max_abs[j-1],
// s the elevation scales. NaN when a bound is NaN.
double elevation_bound(int d, const double* max_abs);

// Raises a ValueError naming the argument(s) in `names` (one per axis; axes
// scaled by the same argument share its name) when elevation_bound exceeds
// kMaxElevated, i.e. when the lattice keys would leave their int16 range.
void check_feature_range(const char* op, int d, const double* max_abs,
                         const char* const* names);

// Raises a ValueError naming `name` when a float tensor holds a NaN or an
// infinity (one reduction: the sum is finite unless it is, or unless it
// overflows, which the elementwise check then settles).
void check_finite(const char* op, const char* name, const at::Tensor& t);

// Largest |value| of a tensor (0 when empty), for the colour axes of the range
// check; float tensors are checked with check_finite first.
double max_abs(const char* op, const char* name, const at::Tensor& t);

}  // namespace permutohedral
}  // namespace mmlabeleff
