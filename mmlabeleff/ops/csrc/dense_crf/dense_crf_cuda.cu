// Dense CRF mean-field inference on CUDA.
//
// Maths: Kraehenbuehl & Koltun, "Efficient Inference in Fully Connected CRFs
// with Gaussian Edge Potentials" (NIPS 2011); permutohedral lattice of Adams,
// Baek & Davis, "Fast High-Dimensional Filtering Using the Permutohedral
// Lattice" (Eurographics 2010). The constants (scale factors, rounding and
// ranking rule, [1/2, 1, 1/2] blur, slice scale 1 / (1 + 2^-d), symmetric
// normalisation) follow the public densecrf code (Kraehenbuehl, BSD-like;
// packaged as pydensecrf, MIT) so that results match pydensecrf. The code is
// written from those formulas; dense_crf_cpu.cpp is the CPU twin and
// mmlabeleff/ops/permutohedral.py the readable version.
//
// Outline (one call):
//  * lattices (../permutohedral/permutohedral_cuda.cu, shared with
//    bilateral_filter): the Gaussian one once per call, the bilateral one per
//    image, with the symmetric normalisation folded into the weights;
//  * mean field: Q (channel-major, like the input) is splatted into each
//    kernel's (M, C) lattice (a deterministic gather), blurred along the d+1
//    axes, sliced, combined with the compatibility and turned into the next
//    Q = prob * exp(s - max s) / sum in the probability domain.
// num_iters = 0 returns the normalised unary softmax(-U) and builds no
// lattice, as the CPU kernel does. All work runs on the current stream;
// images are looped over on the host. No step uses atomics on values, so the
// result is the same bit for bit on every run.
#include <ATen/ATen.h>
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAGuard.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "../permutohedral/permutohedral_cuda.h"
#include "dense_crf.h"

namespace mmlabeleff {

namespace {

using permutohedral::CudaLattice;

constexpr int kThreads = 256;
inline int crf_blocks(int64_t n) {
  return static_cast<int>(
      std::max<int64_t>(1, std::min<int64_t>((n + kThreads - 1) / kThreads, 65535 * 16)));
}

#define CRF_GRID_LOOP(i, n)                                                     \
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; \
       i < (n); i += static_cast<int64_t>(blockDim.x) * gridDim.x)

// Q0 = normalise(prob), prob = clip(p, 1e-5, 1) or max(softmax(u), 1e-37);
// channel-major (C, P) like the input. prob may be null (no iterations).
__global__ void crf_init_kernel(int64_t num_points, int channels, const float* __restrict__ u,
                                bool logits, float* __restrict__ prob,
                                float* __restrict__ q) {
  CRF_GRID_LOOP(p, num_points) {
    float total = 0.f;
    if (logits) {
      float mx = u[p];
      for (int k = 1; k < channels; ++k) mx = fmaxf(mx, u[k * num_points + p]);
      float t0 = 0.f;
      for (int k = 0; k < channels; ++k) t0 += expf(u[k * num_points + p] - mx);
      for (int k = 0; k < channels; ++k) {
        const float v = fmaxf(expf(u[k * num_points + p] - mx) / t0, 1e-37f);
        total += v;
      }
      for (int k = 0; k < channels; ++k) {
        const float v = fmaxf(expf(u[k * num_points + p] - mx) / t0, 1e-37f);
        if (prob) prob[k * num_points + p] = v;
        q[k * num_points + p] = v / total;
      }
    } else {
      for (int k = 0; k < channels; ++k)
        total += fminf(fmaxf(u[k * num_points + p], 1e-5f), 1.0f);
      for (int k = 0; k < channels; ++k) {
        const float v = fminf(fmaxf(u[k * num_points + p], 1e-5f), 1.0f);
        if (prob) prob[k * num_points + p] = v;
        q[k * num_points + p] = v / total;
      }
    }
  }
}

// s[c, p] = (first ? 0 : s[c, p]) - sum_c2 mu[c, c2] * sl[c2, p].
__global__ void crf_compat_kernel(int64_t num_points, int channels,
                                  const float* __restrict__ mu,
                                  const float* __restrict__ sl, bool first,
                                  float* __restrict__ s) {
  CRF_GRID_LOOP(i, num_points * channels) {
    const int64_t c = i / num_points, p = i - c * num_points;
    const float* row = mu + c * channels;
    float t = 0.f;
    for (int c2 = 0; c2 < channels; ++c2) t += row[c2] * sl[c2 * num_points + p];
    s[i] = (first ? 0.f : s[i]) - t;
  }
}

// q = prob * exp(s - max_c s) / sum_c (...), channel-major.
__global__ void crf_update_kernel(int64_t num_points, int channels,
                                  const float* __restrict__ prob,
                                  const float* __restrict__ s, float* __restrict__ q) {
  CRF_GRID_LOOP(p, num_points) {
    float mx = -3.0e38f;
    for (int c = 0; c < channels; ++c) mx = fmaxf(mx, s[c * num_points + p]);
    float total = 0.f;
    for (int c = 0; c < channels; ++c) {
      const int64_t i = c * num_points + p;
      const float v = prob[i] * expf(fmaxf(s[i] - mx, -87.0f));
      q[i] = v;
      total += v;
    }
    const float inv = 1.0f / total;
    for (int c = 0; c < channels; ++c) q[c * num_points + p] *= inv;
  }
}

// One kernel of the CRF: its lattice, compatibility and value buffers.
struct CudaKernel {
  const CudaLattice* lattice = nullptr;
  bool potts = true;
  float slice_scale = 1.f;  // alpha * w (Potts) or alpha (matrix)
  at::Tensor compat;        // (C, C) on the device when not Potts
  at::Tensor buf_a, buf_b;  // (M, C) lattice values
};

CudaKernel make_kernel(const CudaLattice* lat, const at::Tensor& compat_dev,
                       const CompatKind& kind) {
  CudaKernel k;
  k.lattice = lat;
  k.potts = kind.potts;
  if (!k.potts) k.compat = compat_dev;
  k.slice_scale = lat->alpha * (kind.potts ? kind.potts_weight : 1.f);
  return k;
}

}  // namespace

at::Tensor dense_crf_forward_cuda(const at::Tensor& unary, const at::Tensor& images,
                                  double gaussian_sxy,
                                  const at::Tensor& gaussian_compat,
                                  double bilateral_sxy, double bilateral_srgb,
                                  const at::Tensor& bilateral_compat,
                                  int64_t num_iters, bool logits) {
  const c10::cuda::CUDAGuard device_guard(unary.device());
  cudaStream_t stream = at::cuda::getCurrentCUDAStream();
  const int64_t n = unary.size(0);
  const int c = static_cast<int>(unary.size(1));
  const int64_t h = unary.size(2), w = unary.size(3);
  const int64_t num_points = h * w;
  TORCH_CHECK(num_points < (int64_t(1) << 31) / 8,
              "dense_crf: image too large (", h, "x", w, ")");
  auto out = at::empty({n, c, h, w}, unary.options());
  if (out.numel() == 0) return out;

  const at::Tensor gcompat_dev = gaussian_compat.to(unary.device()).contiguous();
  const at::Tensor bcompat_dev = bilateral_compat.to(unary.device()).contiguous();
  const CompatKind gauss_kind = classify_compat(gaussian_compat);
  const CompatKind bilat_kind = classify_compat(bilateral_compat);
  const bool use_gauss = gauss_kind.used, use_bilat = bilat_kind.used;
  const bool iterate = (use_gauss || use_bilat) && num_iters > 0;

  const float* u_all = unary.data_ptr<float>();
  const uint8_t* img_all = images.data_ptr<uint8_t>();
  float* out_all = out.data_ptr<float>();
  const auto fopt = unary.options().dtype(at::kFloat);
  const int64_t pc = num_points * c;

  if (!iterate) {
    for (int64_t i = 0; i < n; ++i) {
      crf_init_kernel<<<crf_blocks(num_points), kThreads, 0, stream>>>(
          num_points, c, u_all + i * pc, logits, nullptr, out_all + i * pc);
      C10_CUDA_KERNEL_LAUNCH_CHECK();
    }
    return out;
  }

  // The Gaussian kernel's lattice depends on the image size only: build once.
  CudaLattice gauss;
  if (use_gauss)
    gauss = permutohedral::build_lattice_cuda<2, uint8_t>(
        num_points, w, nullptr, static_cast<float>(gaussian_sxy), 1.f, true, unary, stream,
        "dense_crf");

  at::Tensor prob = at::empty({pc}, fopt);
  at::Tensor q = at::empty({pc}, fopt);
  at::Tensor s = at::empty({pc}, fopt);
  at::Tensor sl;  // slice of a matrix-compat kernel before the compatibility

  for (int64_t i = 0; i < n; ++i) {
    CudaLattice bilat;
    if (use_bilat)
      bilat = permutohedral::build_lattice_cuda<5, uint8_t>(
          num_points, w, img_all + i * 3 * num_points, static_cast<float>(bilateral_sxy),
          static_cast<float>(bilateral_srgb), true, unary, stream, "dense_crf");
    std::vector<CudaKernel> kernels;
    if (use_gauss) kernels.push_back(make_kernel(&gauss, gcompat_dev, gauss_kind));
    if (use_bilat) kernels.push_back(make_kernel(&bilat, bcompat_dev, bilat_kind));
    for (auto& k : kernels) {
      k.buf_a = at::empty({k.lattice->num_vertices * c}, fopt);
      k.buf_b = at::empty({k.lattice->num_vertices * c}, fopt);
      if (!k.potts && !sl.defined()) sl = at::empty({pc}, fopt);
    }

    float* o = out_all + i * pc;
    crf_init_kernel<<<crf_blocks(num_points), kThreads, 0, stream>>>(
        num_points, c, u_all + i * pc, logits, prob.data_ptr<float>(), q.data_ptr<float>());
    C10_CUDA_KERNEL_LAUNCH_CHECK();

    for (int64_t it = 0; it < num_iters; ++it) {
      bool first = true;
      for (auto& k : kernels) {
        const CudaLattice& lat = *k.lattice;
        permutohedral::splat_cuda(lat, q.data_ptr<float>(), c, k.buf_a.data_ptr<float>(),
                                  stream);
        const float* blurred = permutohedral::blur_cuda(
            lat, c, k.buf_a.data_ptr<float>(), k.buf_b.data_ptr<float>(), false, stream);
        if (k.potts) {
          permutohedral::slice_cuda(lat, blurred, c, k.slice_scale, !first,
                                    s.data_ptr<float>(), stream);
        } else {
          permutohedral::slice_cuda(lat, blurred, c, k.slice_scale, false,
                                    sl.data_ptr<float>(), stream);
          crf_compat_kernel<<<crf_blocks(pc), kThreads, 0, stream>>>(
              num_points, c, k.compat.data_ptr<float>(), sl.data_ptr<float>(), first,
              s.data_ptr<float>());
          C10_CUDA_KERNEL_LAUNCH_CHECK();
        }
        first = false;
      }
      float* target = it + 1 == num_iters ? o : q.data_ptr<float>();
      crf_update_kernel<<<crf_blocks(num_points), kThreads, 0, stream>>>(
          num_points, c, prob.data_ptr<float>(), s.data_ptr<float>(), target);
      C10_CUDA_KERNEL_LAUNCH_CHECK();
    }
  }
  return out;
}

}  // namespace mmlabeleff
