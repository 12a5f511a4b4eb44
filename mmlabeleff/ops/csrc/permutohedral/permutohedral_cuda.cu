// The permutohedral lattice on CUDA (see permutohedral_cuda.h; maths and
// range limits in permutohedral.h; permutohedral_cpu.cpp / .h are the CPU
// twin). The lattice itself (embedding, weights, normalisation) spells every
// float operation with the round-to-nearest ph_* helpers, which nvcc does not
// fuse, so it is the CPU lattice bit for bit; splat, blur and slice use plain
// operators (nvcc may fuse them into FMAs, as GCC does on the CPU side), which
// only changes filtered values by float rounding.
//
// Build (one call): one thread per point computes its features, embeds them
// with the shared embed_point (which reports a point out of range instead of
// writing it), writes the d int16 coordinates of its d+1 simplex corners to a
// keys array and inserts each corner into an open-addressing hash table in
// global memory (atomicCAS of an entry index into an empty slot; keys compared
// coordinate by coordinate). The entries that won their slot are numbered
// 0..M-1 by a prefix sum; every (point, corner) gets the vertex id of its key;
// blur neighbours are looked up in the table; the entries are sorted by vertex
// (stable, so by entry within a vertex) for the gather-based splat; the
// symmetric normalisation is folded into the weights when asked for.
#include <ATen/ATen.h>
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAException.h>

#include <algorithm>
#include <cstdint>
#include <tuple>
#include <utility>

#include "permutohedral.h"
#include "permutohedral_cuda.h"

namespace mmlabeleff {
namespace permutohedral {

namespace {

constexpr int kThreads = 256;

inline int num_blocks(int64_t n) {
  return static_cast<int>(
      std::max<int64_t>(1, std::min<int64_t>((n + kThreads - 1) / kThreads, 65535 * 16)));
}

#define PH_GRID_LOOP(i, n)                                                      \
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; \
       i < (n); i += static_cast<int64_t>(blockDim.x) * gridDim.x)

// Embedding constants, computed on the host as the CPU code does.
struct EmbedParams {
  float scale[5];
  float sxy;
  float srgb;
};

__device__ __forceinline__ uint64_t key_hash(const int* key, int d) {
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
__device__ int32_t table_insert(int32_t* table, uint64_t mask, const int16_t* keys,
                                const int* key, int32_t e) {
  uint64_t h = key_hash(key, D) & mask;
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
__device__ int32_t table_find(const int32_t* __restrict__ table, uint64_t mask,
                              const int16_t* __restrict__ keys, const int* key) {
  uint64_t h = key_hash(key, D) & mask;
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

// One thread per point: features, embedding, the d+1 corner keys, insertion.
//   keys:    (P * (D+1), D) int16 corner coordinates
//   weight:  (P * (D+1)) barycentric weights
//   rep:     (P * (D+1)) entry owning the corner's key
// A point out of range sets *error and is not inserted (the host then fails
// the call before anything reads it).
template <int D, typename Pixel>
__global__ void embed_kernel(int64_t num_points, int64_t width,
                             const Pixel* __restrict__ img, EmbedParams prm,
                             int16_t* keys, float* __restrict__ weight, int32_t* table,
                             uint64_t mask, int32_t* __restrict__ rep,
                             int* __restrict__ error) {
  constexpr int D1 = D + 1;
  PH_GRID_LOOP(p, num_points) {
    float f[D];
    f[0] = ph_div(static_cast<float>(p % width), prm.sxy);
    f[1] = ph_div(static_cast<float>(p / width), prm.sxy);
    if constexpr (D == 5) {
      f[2] = ph_div(static_cast<float>(img[p]), prm.srgb);
      f[3] = ph_div(static_cast<float>(img[num_points + p]), prm.srgb);
      f[4] = ph_div(static_cast<float>(img[2 * num_points + p]), prm.srgb);
    }
    const int64_t e0 = p * D1;
    Embedding<D> emb;
    if (!embed_point<D>(f, prm.scale, emb)) {
      atomicOr(error, 1);
      for (int r = 0; r < D1; ++r) {
        rep[e0 + r] = -1;
        weight[e0 + r] = 0.f;
      }
      continue;
    }
#pragma unroll
    for (int r = 0; r < D1; ++r) {
      int16_t* kp = keys + (e0 + r) * D;
#pragma unroll
      for (int i = 0; i < D; ++i)
        kp[i] = static_cast<int16_t>(emb.rem0[i] + (emb.rank[i] <= D - r ? r : r - D1));
      weight[e0 + r] = emb.bary[r];
    }
    __threadfence();  // publish the keys before their entries enter the table
#pragma unroll
    for (int r = 0; r < D1; ++r) {
      const int16_t* kp = keys + (e0 + r) * D;
      int key[D];
#pragma unroll
      for (int i = 0; i < D; ++i) key[i] = kp[i];
      rep[e0 + r] = table_insert<D>(table, mask, keys, key, static_cast<int32_t>(e0 + r));
    }
  }
}

// flag[e] = 1 when entry e owns its key's slot (it will be a vertex).
__global__ void owner_flag_kernel(int64_t num_entries, const int32_t* __restrict__ rep,
                                  int32_t* __restrict__ flag) {
  PH_GRID_LOOP(e, num_entries) { flag[e] = rep[e] == e ? 1 : 0; }
}

// vertex id of each (point, corner) and the owning entry of each vertex.
__global__ void vertex_id_kernel(int64_t num_entries, const int32_t* __restrict__ rep,
                                 const int32_t* __restrict__ prefix,
                                 int32_t* __restrict__ vid, int32_t* __restrict__ owner) {
  PH_GRID_LOOP(e, num_entries) {
    const int32_t r = rep[e];
    const int32_t v = prefix[r] - 1;
    vid[e] = v;
    if (r == e) owner[v] = static_cast<int32_t>(e);
  }
}

// neighbours (d+1, M, 2) of every vertex: key - 1 + (d+1) e_j and
// key + 1 - (d+1) e_j (no e_j term for j = d); -1 where missing.
template <int D>
__global__ void neighbor_kernel(int64_t num_vertices, const int32_t* __restrict__ owner,
                                const int16_t* __restrict__ keys,
                                const int32_t* __restrict__ table, uint64_t mask,
                                const int32_t* __restrict__ prefix,
                                int32_t* __restrict__ nb) {
  constexpr int D1 = D + 1;
  PH_GRID_LOOP(m, num_vertices) {
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
      const int32_t a = table_find<D>(table, mask, keys, n1);
      const int32_t b = table_find<D>(table, mask, keys, n2);
      int32_t* out = nb + (static_cast<int64_t>(j) * num_vertices + m) * 2;
      out[0] = a < 0 ? -1 : prefix[a] - 1;
      out[1] = b < 0 ? -1 : prefix[b] - 1;
    }
  }
}

// start[v] = first position of vertex v in the sorted vertex ids; start[M] = E.
__global__ void segment_start_kernel(int64_t num_entries, int64_t num_vertices,
                                     const int32_t* __restrict__ sorted,
                                     int32_t* __restrict__ start) {
  PH_GRID_LOOP(i, num_entries) {
    if (i == 0 || sorted[i] != sorted[i - 1]) start[sorted[i]] = static_cast<int32_t>(i);
    if (i == num_entries - 1) start[num_vertices] = static_cast<int32_t>(num_entries);
  }
}

// out[m, c] = sum over the entries e of vertex m, in increasing order (the
// CPU's order), of weight[e] * values[c, e / (d+1)] (weight[e] alone when
// values is null: the normalisation, whose sums are then the CPU's exactly).
__global__ void splat_kernel(int64_t num_vertices, int64_t channels, int64_t num_points,
                             int d1, const int32_t* __restrict__ order,
                             const int32_t* __restrict__ start,
                             const float* __restrict__ weight,
                             const float* __restrict__ values, float* __restrict__ out) {
  PH_GRID_LOOP(i, num_vertices * channels) {
    const int64_t m = i / channels, c = i - m * channels;
    const float* vc = values ? values + c * num_points : nullptr;
    float acc = 0.f;
    for (int32_t k = start[m]; k < start[m + 1]; ++k) {
      const int32_t e = order[k];
      acc += vc ? weight[e] * vc[e / d1] : weight[e];
    }
    out[i] = acc;
  }
}

// One blur pass along one lattice axis over (M, C) values:
// out = in + 0.5 (in[left] + in[right]), missing neighbours read as zero.
__global__ void blur_kernel(int64_t num_vertices, int64_t channels,
                            const int32_t* __restrict__ nb, const float* __restrict__ in,
                            float* __restrict__ out) {
  PH_GRID_LOOP(i, num_vertices * channels) {
    const int64_t m = i / channels, c = i - m * channels;
    const int32_t a = nb[2 * m], b = nb[2 * m + 1];
    const float va = a >= 0 ? in[static_cast<int64_t>(a) * channels + c] : 0.f;
    const float vb = b >= 0 ? in[static_cast<int64_t>(b) * channels + c] : 0.f;
    out[i] = in[i] + 0.5f * (va + vb);  // = the CPU's value: 0.5 x is exact
  }
}

// weight *= 1 / sqrt(sum_r (weight_r * (K 1)[vertex_r]) * alpha + 1e-20).
__global__ void norm_kernel(int64_t num_points, int d1, const int32_t* __restrict__ vid,
                            const float* __restrict__ blurred, float alpha,
                            float* __restrict__ weight) {
  PH_GRID_LOOP(p, num_points) {
    const int64_t e0 = p * d1;
    float s = 0.f;
    for (int r = 0; r < d1; ++r)
      s = ph_add(s, ph_mul(ph_mul(weight[e0 + r], blurred[vid[e0 + r]]), alpha));
    const float nrm = ph_rsqrt(ph_add(s, 1e-20f));
    for (int r = 0; r < d1; ++r) weight[e0 + r] = ph_mul(weight[e0 + r], nrm);
  }
}

// out[c, p] (= or +=) sum_r (weight(p, r) * scale) * values[vertex(p, r), c],
// even corners and odd corners summed apart, as the CPU slice does.
__global__ void slice_kernel(int64_t num_points, int64_t channels, int d1,
                             const int32_t* __restrict__ vid,
                             const float* __restrict__ weight,
                             const float* __restrict__ values, float scale,
                             bool accumulate, float* __restrict__ out) {
  PH_GRID_LOOP(i, num_points * channels) {
    const int64_t c = i / num_points, p = i - c * num_points;
    const int64_t e0 = p * d1;
    float acc = 0.f, acc2 = 0.f;
    int r = 0;
    for (; r + 1 < d1; r += 2) {
      acc += (weight[e0 + r] * scale) * values[static_cast<int64_t>(vid[e0 + r]) * channels + c];
      acc2 += (weight[e0 + r + 1] * scale) *
              values[static_cast<int64_t>(vid[e0 + r + 1]) * channels + c];
    }
    if (r < d1)
      acc += (weight[e0 + r] * scale) * values[static_cast<int64_t>(vid[e0 + r]) * channels + c];
    acc += acc2;
    out[i] = accumulate ? out[i] + acc : acc;
  }
}

}  // namespace

void splat_cuda(const CudaLattice& lat, const float* values, int64_t channels, float* out,
                cudaStream_t stream) {
  const int64_t m = lat.num_vertices;
  splat_kernel<<<num_blocks(m * channels), kThreads, 0, stream>>>(
      m, channels, lat.num_points, lat.dim + 1, lat.order.data_ptr<int32_t>(),
      lat.start.data_ptr<int32_t>(), lat.weight.data_ptr<float>(), values, out);
  C10_CUDA_KERNEL_LAUNCH_CHECK();
}

float* blur_cuda(const CudaLattice& lat, int64_t channels, float* a, float* b, bool reverse,
                 cudaStream_t stream) {
  const int64_t m = lat.num_vertices;
  const int32_t* nb = lat.neighbors.data_ptr<int32_t>();
  for (int k = 0; k <= lat.dim; ++k) {
    const int j = reverse ? lat.dim - k : k;
    blur_kernel<<<num_blocks(m * channels), kThreads, 0, stream>>>(
        m, channels, nb + static_cast<int64_t>(j) * m * 2, a, b);
    C10_CUDA_KERNEL_LAUNCH_CHECK();
    std::swap(a, b);
  }
  return a;
}

void slice_cuda(const CudaLattice& lat, const float* values, int64_t channels, float scale,
                bool accumulate, float* out, cudaStream_t stream) {
  const int64_t p = lat.num_points;
  slice_kernel<<<num_blocks(p * channels), kThreads, 0, stream>>>(
      p, channels, lat.dim + 1, lat.vid.data_ptr<int32_t>(), lat.weight.data_ptr<float>(),
      values, scale, accumulate, out);
  C10_CUDA_KERNEL_LAUNCH_CHECK();
}

template <int D, typename Pixel>
CudaLattice build_lattice_cuda(int64_t num_points, int64_t width, const Pixel* img,
                               float sxy, float srgb, bool normalise,
                               const at::Tensor& like, cudaStream_t stream,
                               const char* op) {
  constexpr int D1 = D + 1;
  CudaLattice lat;
  lat.dim = D;
  lat.num_points = num_points;
  lat.alpha = slice_alpha(D);
  const int64_t num_entries = num_points * D1;
  TORCH_CHECK(num_entries < (int64_t(1) << 31), op, ": image too large (", num_points,
              " pixels)");
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

  EmbedParams prm{};
  elevation_scales(D, prm.scale);
  prm.sxy = sxy;
  prm.srgb = srgb;
  embed_kernel<D, Pixel><<<num_blocks(num_points), kThreads, 0, stream>>>(
      num_points, width, img, prm, keys.data_ptr<int16_t>(), lat.weight.data_ptr<float>(),
      table.data_ptr<int32_t>(), mask, rep.data_ptr<int32_t>(), error.data_ptr<int32_t>());
  C10_CUDA_KERNEL_LAUNCH_CHECK();
  TORCH_CHECK_VALUE(error.item<int32_t>() == 0, op,
                    ": lattice coordinate out of range or not finite; the features "
                    "are too large for the standard deviations (increase sxy / srgb)");

  // number the owning entries 0..M-1
  at::Tensor flag = at::empty({num_entries}, iopt);
  owner_flag_kernel<<<num_blocks(num_entries), kThreads, 0, stream>>>(
      num_entries, rep.data_ptr<int32_t>(), flag.data_ptr<int32_t>());
  C10_CUDA_KERNEL_LAUNCH_CHECK();
  at::Tensor prefix = at::cumsum(flag, 0, at::kInt);
  flag.reset();
  const int64_t m = prefix[num_entries - 1].item<int32_t>();
  lat.num_vertices = m;

  lat.vid = at::empty({num_entries}, iopt);
  at::Tensor owner = at::empty({m}, iopt);
  vertex_id_kernel<<<num_blocks(num_entries), kThreads, 0, stream>>>(
      num_entries, rep.data_ptr<int32_t>(), prefix.data_ptr<int32_t>(),
      lat.vid.data_ptr<int32_t>(), owner.data_ptr<int32_t>());
  C10_CUDA_KERNEL_LAUNCH_CHECK();
  rep.reset();

  lat.neighbors = at::empty({D1, m, 2}, iopt);
  neighbor_kernel<D><<<num_blocks(m), kThreads, 0, stream>>>(
      m, owner.data_ptr<int32_t>(), keys.data_ptr<int16_t>(), table.data_ptr<int32_t>(),
      mask, prefix.data_ptr<int32_t>(), lat.neighbors.data_ptr<int32_t>());
  C10_CUDA_KERNEL_LAUNCH_CHECK();
  owner.reset();
  keys.reset();
  table.reset();
  prefix.reset();

  // entries grouped by vertex, in increasing entry order within a vertex
  // (a stable sort), for the deterministic gather-based splat
  at::Tensor sorted, order;
  std::tie(sorted, order) = at::sort(lat.vid, /*stable=*/true, /*dim=*/0,
                                     /*descending=*/false);
  lat.order = order.to(at::kInt);
  lat.start = at::empty({m + 1}, iopt);
  segment_start_kernel<<<num_blocks(num_entries), kThreads, 0, stream>>>(
      num_entries, m, sorted.data_ptr<int32_t>(), lat.start.data_ptr<int32_t>());
  C10_CUDA_KERNEL_LAUNCH_CHECK();

  if (normalise) {
    // symmetric normalisation: filter a constant one, fold 1/sqrt into weights
    at::Tensor va = at::empty({m}, fopt);
    at::Tensor vb = at::empty({m}, fopt);
    splat_cuda(lat, nullptr, 1, va.data_ptr<float>(), stream);
    const float* blurred =
        blur_cuda(lat, 1, va.data_ptr<float>(), vb.data_ptr<float>(), false, stream);
    norm_kernel<<<num_blocks(num_points), kThreads, 0, stream>>>(
        num_points, D1, lat.vid.data_ptr<int32_t>(), blurred, lat.alpha,
        lat.weight.data_ptr<float>());
    C10_CUDA_KERNEL_LAUNCH_CHECK();
  }
  return lat;
}

template CudaLattice build_lattice_cuda<2, uint8_t>(int64_t, int64_t, const uint8_t*, float,
                                                    float, bool, const at::Tensor&,
                                                    cudaStream_t, const char*);
template CudaLattice build_lattice_cuda<5, uint8_t>(int64_t, int64_t, const uint8_t*, float,
                                                    float, bool, const at::Tensor&,
                                                    cudaStream_t, const char*);
template CudaLattice build_lattice_cuda<5, float>(int64_t, int64_t, const float*, float,
                                                  float, bool, const at::Tensor&,
                                                  cudaStream_t, const char*);

}  // namespace permutohedral
}  // namespace mmlabeleff
