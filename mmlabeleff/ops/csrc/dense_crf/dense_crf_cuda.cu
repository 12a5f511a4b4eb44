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
//  * lattice build (per kernel; the Gaussian one once per call, the bilateral
//    one per image): one thread per point embeds its features with the same
//    float operations as the CPU code (explicit _rn intrinsics, so no FMA
//    contraction changes a rounding decision), writes the d int16 coordinates
//    of its d+1 simplex corners to a keys array and inserts each corner into an
//    open-addressing hash table in global memory (atomicCAS of an entry index
//    into an empty slot; keys compared coordinate by coordinate). The entries
//    that won their slot are numbered 0..M-1 by a prefix sum; every (point,
//    corner) gets the vertex id of its key; blur neighbours are looked up in the
//    table; the symmetric normalisation 1/sqrt(K 1) is folded into the weights.
//  * mean field: Q (channel-major, like the input) is splatted into each
//    kernel's (M, C) lattice with atomicAdd, blurred along the d+1 axes
//    (ping-pong buffers), sliced, combined with the compatibility and turned
//    into the next Q = prob * exp(s - max s) / sum in the probability domain.
// All work runs on the current stream; images are looped over on the host.
#include <ATen/ATen.h>
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAGuard.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "dense_crf.h"

namespace mmlabeleff {

namespace {

constexpr int kThreads = 256;
constexpr int kMaxCoord = 32000;  // as the CPU code: keys fit int16 with margin

inline int crf_blocks(int64_t n) {
  return static_cast<int>(
      std::max<int64_t>(1, std::min<int64_t>((n + kThreads - 1) / kThreads, 65535 * 16)));
}

#define CRF_GRID_LOOP(i, n)                                                     \
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; \
       i < (n); i += static_cast<int64_t>(blockDim.x) * gridDim.x)

// Embedding constants, computed on the host exactly as build_lattice does.
struct EmbedParams {
  float scale[5];
  float down;   // 1 / (d + 1)
  float up_f;   // d + 1
  float sxy;
  float srgb;
};

__device__ __forceinline__ uint64_t crf_hash(const int* key, int d) {
  uint64_t x = 0x632BE59BD9B4E019ull;
  for (int i = 0; i < d; ++i) {
    x ^= static_cast<uint64_t>(static_cast<uint16_t>(key[i]));
    x *= 0x9E3779B97F4A7C15ull;
    x ^= x >> 29;
  }
  x ^= x >> 31;
  x *= 0xBF58476D1CE4E5B9ull;
  return x ^ (x >> 29);
}

// Inserts entry e (its key already stored in keys[e * D ..] and made visible
// by a __threadfence) and returns the entry that owns the key's slot. The table
// holds at most half as many entries as slots, so the probe always ends.
template <int D>
__device__ int32_t crf_insert(int32_t* table, uint64_t mask, const int16_t* keys,
                              const int* key, int32_t e) {
  uint64_t h = crf_hash(key, D) & mask;
  while (true) {
    int32_t cur = *reinterpret_cast<volatile int32_t*>(table + h);
    if (cur < 0) {
      cur = atomicCAS(table + h, -1, e);
      if (cur < 0) return e;
    }
    // cur was published after its key was written (writer: store, fence,
    // CAS); fence here and read the key past L1 so it is not stale.
    __threadfence();
    const int16_t* other = keys + static_cast<int64_t>(cur) * D;
    bool same = true;
    for (int i = 0; i < D; ++i) same = same && (__ldcg(other + i) == key[i]);
    if (same) return cur;
    h = (h + 1) & mask;
  }
}

// Read-only lookup after all insertions finished: the owning entry or -1.
template <int D>
__device__ int32_t crf_find(const int32_t* __restrict__ table, uint64_t mask,
                            const int16_t* __restrict__ keys, const int* key) {
  uint64_t h = crf_hash(key, D) & mask;
  while (true) {
    const int32_t cur = table[h];
    if (cur < 0) return -1;
    const int16_t* other = keys + static_cast<int64_t>(cur) * D;
    bool same = true;
    for (int i = 0; i < D; ++i) same = same && (static_cast<int>(other[i]) == key[i]);
    if (same) return cur;
    h = (h + 1) & mask;
  }
}

// One thread per point: features, elevation, closest remainder-0 point,
// ranking, barycentric weights and the d+1 corner keys (as build_lattice),
// then insertion of the corners into the hash table.
//   keys:    (P * (D+1), D) int16 corner coordinates
//   weight:  (P * (D+1)) barycentric weights
//   rep:     (P * (D+1)) entry owning the corner's key
template <int D>
__global__ void crf_embed_kernel(int64_t num_points, int64_t width,
                                 const uint8_t* __restrict__ img, EmbedParams prm,
                                 int16_t* keys, float* __restrict__ weight,
                                 int32_t* table, uint64_t mask, int32_t* __restrict__ rep,
                                 int* __restrict__ error) {
  constexpr int D1 = D + 1;
  CRF_GRID_LOOP(p, num_points) {
    float f[D];
    f[0] = __fdiv_rn(static_cast<float>(p % width), prm.sxy);
    f[1] = __fdiv_rn(static_cast<float>(p / width), prm.sxy);
    if constexpr (D == 5) {
      f[2] = __fdiv_rn(static_cast<float>(img[p]), prm.srgb);
      f[3] = __fdiv_rn(static_cast<float>(img[num_points + p]), prm.srgb);
      f[4] = __fdiv_rn(static_cast<float>(img[2 * num_points + p]), prm.srgb);
    }
    float elevated[D1];
    float sm = 0.f;
#pragma unroll
    for (int j = D; j > 0; --j) {
      const float cf = __fmul_rn(f[j - 1], prm.scale[j - 1]);
      elevated[j] = __fsub_rn(sm, __fmul_rn(static_cast<float>(j), cf));
      sm = __fadd_rn(sm, cf);
    }
    elevated[0] = sm;
    int rem0[D1];
    int sum = 0;
#pragma unroll
    for (int i = 0; i < D1; ++i) {
      const float v = __fmul_rn(prm.down, elevated[i]);
      const float up = __fmul_rn(ceilf(v), prm.up_f);
      const float dn = __fmul_rn(floorf(v), prm.up_f);
      rem0[i] = static_cast<int>(
          __fsub_rn(up, elevated[i]) < __fsub_rn(elevated[i], dn) ? up : dn);
      sum += rem0[i] / D1;
    }
    int rank[D1];
#pragma unroll
    for (int i = 0; i < D1; ++i) rank[i] = 0;
#pragma unroll
    for (int i = 0; i < D; ++i) {
      const float di = __fsub_rn(elevated[i], static_cast<float>(rem0[i]));
#pragma unroll
      for (int j = i + 1; j < D1; ++j) {
        if (di < __fsub_rn(elevated[j], static_cast<float>(rem0[j])))
          ++rank[i];
        else
          ++rank[j];
      }
    }
#pragma unroll
    for (int i = 0; i < D1; ++i) {
      rank[i] += sum;
      if (rank[i] < 0) {
        rank[i] += D1;
        rem0[i] += D1;
      } else if (rank[i] > D) {
        rank[i] -= D1;
        rem0[i] -= D1;
      }
    }
    float bary[D + 2];
#pragma unroll
    for (int i = 0; i < D + 2; ++i) bary[i] = 0.f;
#pragma unroll
    for (int i = 0; i < D1; ++i) {
      const float v = __fmul_rn(__fsub_rn(elevated[i], static_cast<float>(rem0[i])), prm.down);
      bary[D - rank[i]] = __fadd_rn(bary[D - rank[i]], v);
      bary[D - rank[i] + 1] = __fsub_rn(bary[D - rank[i] + 1], v);
    }
    // as the CPU code: bary[0] + (1.0 + bary[D+1]) in double
    bary[0] = static_cast<float>(__dadd_rn(static_cast<double>(bary[0]),
                                           __dadd_rn(1.0, static_cast<double>(bary[D + 1]))));

    const int64_t e0 = p * D1;
    // as the CPU code: vertex 0 (rem0) must lie in (-kMaxCoord, kMaxCoord); the
    // other corners are within d+1 of it, so every key fits int16
    bool bad = false;
#pragma unroll
    for (int i = 0; i < D; ++i) bad = bad || !(rem0[i] > -kMaxCoord && rem0[i] < kMaxCoord);
#pragma unroll
    for (int r = 0; r < D1; ++r) {
      int16_t* kp = keys + (e0 + r) * D;
#pragma unroll
      for (int i = 0; i < D; ++i) {
        // the call fails on the host when bad; keep the table consistent
        const int k = bad ? 0 : rem0[i] + (rank[i] <= D - r ? r : r - D1);
        kp[i] = static_cast<int16_t>(k);
      }
      weight[e0 + r] = bary[r];
    }
    if (bad) atomicOr(error, 1);
    __threadfence();  // publish the keys before their entries enter the table
#pragma unroll
    for (int r = 0; r < D1; ++r) {
      const int16_t* kp = keys + (e0 + r) * D;
      int key[D];
#pragma unroll
      for (int i = 0; i < D; ++i) key[i] = kp[i];
      rep[e0 + r] = crf_insert<D>(table, mask, keys, key, static_cast<int32_t>(e0 + r));
    }
  }
}

// flag[e] = 1 when entry e owns its key's slot (it will be a vertex).
__global__ void crf_owner_flag_kernel(int64_t num_entries, const int32_t* __restrict__ rep,
                                      int32_t* __restrict__ flag) {
  CRF_GRID_LOOP(e, num_entries) { flag[e] = rep[e] == e ? 1 : 0; }
}

// vertex id of each (point, corner) and the owning entry of each vertex.
__global__ void crf_vertex_id_kernel(int64_t num_entries, const int32_t* __restrict__ rep,
                                     const int32_t* __restrict__ prefix,
                                     int32_t* __restrict__ vid,
                                     int32_t* __restrict__ owner) {
  CRF_GRID_LOOP(e, num_entries) {
    const int32_t r = rep[e];
    const int32_t v = prefix[r] - 1;
    vid[e] = v;
    if (r == e) owner[v] = static_cast<int32_t>(e);
  }
}

// neighbours (d+1, M, 2) of every vertex: key - 1 + (d+1) e_j and
// key + 1 - (d+1) e_j (no e_j term for j = d); -1 where missing.
template <int D>
__global__ void crf_neighbor_kernel(int64_t num_vertices, const int32_t* __restrict__ owner,
                                    const int16_t* __restrict__ keys,
                                    const int32_t* __restrict__ table, uint64_t mask,
                                    const int32_t* __restrict__ prefix,
                                    int32_t* __restrict__ nb) {
  constexpr int D1 = D + 1;
  CRF_GRID_LOOP(m, num_vertices) {
    const int16_t* kp = keys + static_cast<int64_t>(owner[m]) * D;
    int key[D];
#pragma unroll
    for (int i = 0; i < D; ++i) key[i] = kp[i];
    for (int j = 0; j < D1; ++j) {
      int n1[D], n2[D];
#pragma unroll
      for (int i = 0; i < D; ++i) {
        n1[i] = key[i] - 1 + (i == j ? D1 : 0);
        n2[i] = key[i] + 1 - (i == j ? D1 : 0);
      }
      const int32_t a = crf_find<D>(table, mask, keys, n1);
      const int32_t b = crf_find<D>(table, mask, keys, n2);
      int32_t* out = nb + (static_cast<int64_t>(j) * num_vertices + m) * 2;
      out[0] = a < 0 ? -1 : prefix[a] - 1;
      out[1] = b < 0 ? -1 : prefix[b] - 1;
    }
  }
}

// values[vid[e]] += weight[e] (the constant-one signal of the normalisation).
__global__ void crf_splat_ones_kernel(int64_t num_entries, const int32_t* __restrict__ vid,
                                      const float* __restrict__ weight,
                                      float* __restrict__ values) {
  CRF_GRID_LOOP(e, num_entries) { atomicAdd(values + vid[e], weight[e]); }
}

// One blur pass along one lattice axis over (M, C) values:
// out = in + 0.5 * (in[n1] + in[n2]), missing neighbours read as zero.
__global__ void crf_blur_kernel(int64_t num_vertices, int64_t channels,
                                const int32_t* __restrict__ nb,
                                const float* __restrict__ in, float* __restrict__ out) {
  CRF_GRID_LOOP(i, num_vertices * channels) {
    const int64_t m = i / channels, c = i - m * channels;
    const int32_t a = nb[2 * m], b = nb[2 * m + 1];
    const float va = a >= 0 ? in[static_cast<int64_t>(a) * channels + c] : 0.f;
    const float vb = b >= 0 ? in[static_cast<int64_t>(b) * channels + c] : 0.f;
    out[i] = in[i] + 0.5f * (va + vb);
  }
}

// weight *= 1 / sqrt(alpha * sum_r weight_r * (K 1)[vertex_r] + 1e-20).
__global__ void crf_norm_kernel(int64_t num_points, int d1, const int32_t* __restrict__ vid,
                                const float* __restrict__ blurred, float alpha,
                                float* __restrict__ weight) {
  CRF_GRID_LOOP(p, num_points) {
    const int64_t e0 = p * d1;
    float s = 0.f;
    for (int r = 0; r < d1; ++r) s += weight[e0 + r] * blurred[vid[e0 + r]] * alpha;
    const float nrm = 1.0f / sqrtf(s + 1e-20f);
    for (int r = 0; r < d1; ++r) weight[e0 + r] *= nrm;
  }
}

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

// values[vid(p, r), c] += weight(p, r) * q[c, p]; one thread per (c, p).
__global__ void crf_splat_kernel(int64_t num_points, int64_t channels, int d1,
                                 const int32_t* __restrict__ vid,
                                 const float* __restrict__ weight,
                                 const float* __restrict__ q, float* __restrict__ values) {
  CRF_GRID_LOOP(i, num_points * channels) {
    const int64_t c = i / num_points, p = i - c * num_points;
    const float v = q[i];
    const int64_t e0 = p * d1;
    for (int r = 0; r < d1; ++r)
      atomicAdd(values + static_cast<int64_t>(vid[e0 + r]) * channels + c, weight[e0 + r] * v);
  }
}

// out[c, p] (= or +=) sum_r (weight(p, r) * scale) * values[vid(p, r), c].
__global__ void crf_slice_kernel(int64_t num_points, int64_t channels, int d1,
                                 const int32_t* __restrict__ vid,
                                 const float* __restrict__ weight,
                                 const float* __restrict__ values, float scale,
                                 bool accumulate, float* __restrict__ out) {
  CRF_GRID_LOOP(i, num_points * channels) {
    const int64_t c = i / num_points, p = i - c * num_points;
    const int64_t e0 = p * d1;
    float acc = 0.f;
    for (int r = 0; r < d1; ++r)
      acc += (weight[e0 + r] * scale) * values[static_cast<int64_t>(vid[e0 + r]) * channels + c];
    out[i] = accumulate ? out[i] + acc : acc;
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

// A lattice on the device with the kernel's normalisation folded in.
struct CudaLattice {
  int dim = 0;
  int64_t num_points = 0;
  int64_t num_vertices = 0;
  at::Tensor vid;        // (P * (d+1)) int32 vertex id of each corner
  at::Tensor weight;     // (P * (d+1)) float barycentric weight * norm(point)
  at::Tensor neighbors;  // (d+1, M, 2) int32 blur neighbours (-1 = none)
  float alpha = 1.f;
};

template <int D>
EmbedParams embed_params(float sxy, float srgb) {
  constexpr int D1 = D + 1;
  EmbedParams prm{};
  const float inv_std = static_cast<float>(std::sqrt(2.0 / 3.0) * D1);
  for (int i = 0; i < D; ++i)
    prm.scale[i] = static_cast<float>(1.0 / std::sqrt(double((i + 2) * (i + 1))) * inv_std);
  prm.down = 1.0f / D1;
  prm.up_f = static_cast<float>(D1);
  prm.sxy = sxy;
  prm.srgb = srgb;
  return prm;
}

// Blur (M, C) values along the d+1 axes in place of `a` / `b` (ping-pong);
// returns the buffer holding the result.
float* blur_all(const CudaLattice& lat, int64_t channels, float* a, float* b,
                cudaStream_t stream) {
  const int64_t m = lat.num_vertices;
  const int32_t* nb = lat.neighbors.data_ptr<int32_t>();
  for (int j = 0; j <= lat.dim; ++j) {
    crf_blur_kernel<<<crf_blocks(m * channels), kThreads, 0, stream>>>(
        m, channels, nb + static_cast<int64_t>(j) * m * 2, a, b);
    C10_CUDA_KERNEL_LAUNCH_CHECK();
    std::swap(a, b);
  }
  return a;
}

template <int D>
CudaLattice build_lattice_cuda(int64_t num_points, int64_t width, const uint8_t* img,
                               float sxy, float srgb, const at::Tensor& like,
                               cudaStream_t stream) {
  constexpr int D1 = D + 1;
  CudaLattice lat;
  lat.dim = D;
  lat.num_points = num_points;
  const int64_t num_entries = num_points * D1;
  const auto iopt = like.options().dtype(at::kInt);
  const auto fopt = like.options().dtype(at::kFloat);

  // capacity: a power of two >= 2 * entries, so the table is at most half full
  int64_t cap = 1024;
  while (cap < 2 * num_entries) cap <<= 1;
  const uint64_t mask = static_cast<uint64_t>(cap - 1);
  at::Tensor table = at::full({cap}, -1, iopt);
  at::Tensor keys = at::empty({num_entries * D}, like.options().dtype(at::kShort));
  lat.weight = at::empty({num_entries}, fopt);
  at::Tensor rep = at::empty({num_entries}, iopt);
  at::Tensor error = at::zeros({1}, iopt);

  crf_embed_kernel<D><<<crf_blocks(num_points), kThreads, 0, stream>>>(
      num_points, width, img, embed_params<D>(sxy, srgb),
      keys.data_ptr<int16_t>(), lat.weight.data_ptr<float>(),
      table.data_ptr<int32_t>(), mask, rep.data_ptr<int32_t>(), error.data_ptr<int32_t>());
  C10_CUDA_KERNEL_LAUNCH_CHECK();
  TORCH_CHECK(error.item<int32_t>() == 0,
              "dense_crf: lattice coordinate out of range; the image is too large for "
              "its sxy/srgb (increase them)");

  // number the owning entries 0..M-1
  at::Tensor flag = at::empty({num_entries}, iopt);
  crf_owner_flag_kernel<<<crf_blocks(num_entries), kThreads, 0, stream>>>(
      num_entries, rep.data_ptr<int32_t>(), flag.data_ptr<int32_t>());
  C10_CUDA_KERNEL_LAUNCH_CHECK();
  at::Tensor prefix = at::cumsum(flag, 0, at::kInt);
  flag.reset();
  const int64_t m = prefix[num_entries - 1].item<int32_t>();
  lat.num_vertices = m;

  lat.vid = at::empty({num_entries}, iopt);
  at::Tensor owner = at::empty({m}, iopt);
  crf_vertex_id_kernel<<<crf_blocks(num_entries), kThreads, 0, stream>>>(
      num_entries, rep.data_ptr<int32_t>(), prefix.data_ptr<int32_t>(),
      lat.vid.data_ptr<int32_t>(), owner.data_ptr<int32_t>());
  C10_CUDA_KERNEL_LAUNCH_CHECK();
  rep.reset();

  lat.neighbors = at::empty({D1, m, 2}, iopt);
  crf_neighbor_kernel<D><<<crf_blocks(m), kThreads, 0, stream>>>(
      m, owner.data_ptr<int32_t>(), keys.data_ptr<int16_t>(), table.data_ptr<int32_t>(),
      mask, prefix.data_ptr<int32_t>(), lat.neighbors.data_ptr<int32_t>());
  C10_CUDA_KERNEL_LAUNCH_CHECK();
  owner.reset();
  keys.reset();
  table.reset();
  prefix.reset();

  // symmetric normalisation: filter a constant one, fold 1/sqrt into weights
  lat.alpha = 1.0f / (1.0f + std::pow(2.0f, -static_cast<float>(D)));
  at::Tensor va = at::zeros({m}, fopt);
  at::Tensor vb = at::empty({m}, fopt);
  crf_splat_ones_kernel<<<crf_blocks(num_entries), kThreads, 0, stream>>>(
      num_entries, lat.vid.data_ptr<int32_t>(), lat.weight.data_ptr<float>(),
      va.data_ptr<float>());
  C10_CUDA_KERNEL_LAUNCH_CHECK();
  const float* blurred = blur_all(lat, 1, va.data_ptr<float>(), vb.data_ptr<float>(), stream);
  crf_norm_kernel<<<crf_blocks(num_points), kThreads, 0, stream>>>(
      num_points, D1, lat.vid.data_ptr<int32_t>(), blurred, lat.alpha,
      lat.weight.data_ptr<float>());
  C10_CUDA_KERNEL_LAUNCH_CHECK();
  return lat;
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
    gauss = build_lattice_cuda<2>(num_points, w, nullptr, static_cast<float>(gaussian_sxy),
                                  1.f, unary, stream);

  at::Tensor prob = at::empty({pc}, fopt);
  at::Tensor q = at::empty({pc}, fopt);
  at::Tensor s = at::empty({pc}, fopt);
  at::Tensor sl;  // slice of a matrix-compat kernel before the compatibility

  for (int64_t i = 0; i < n; ++i) {
    CudaLattice bilat;
    if (use_bilat)
      bilat = build_lattice_cuda<5>(num_points, w, img_all + i * 3 * num_points,
                                    static_cast<float>(bilateral_sxy),
                                    static_cast<float>(bilateral_srgb), unary, stream);
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
        const int d1 = lat.dim + 1;
        k.buf_a.zero_();
        crf_splat_kernel<<<crf_blocks(pc), kThreads, 0, stream>>>(
            num_points, c, d1, lat.vid.data_ptr<int32_t>(), lat.weight.data_ptr<float>(),
            q.data_ptr<float>(), k.buf_a.data_ptr<float>());
        C10_CUDA_KERNEL_LAUNCH_CHECK();
        const float* blurred =
            blur_all(lat, c, k.buf_a.data_ptr<float>(), k.buf_b.data_ptr<float>(), stream);
        if (k.potts) {
          crf_slice_kernel<<<crf_blocks(pc), kThreads, 0, stream>>>(
              num_points, c, d1, lat.vid.data_ptr<int32_t>(), lat.weight.data_ptr<float>(),
              blurred, k.slice_scale, !first, s.data_ptr<float>());
          C10_CUDA_KERNEL_LAUNCH_CHECK();
        } else {
          crf_slice_kernel<<<crf_blocks(pc), kThreads, 0, stream>>>(
              num_points, c, d1, lat.vid.data_ptr<int32_t>(), lat.weight.data_ptr<float>(),
              blurred, k.slice_scale, false, sl.data_ptr<float>());
          C10_CUDA_KERNEL_LAUNCH_CHECK();
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
