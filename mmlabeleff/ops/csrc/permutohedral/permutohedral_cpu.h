// The permutohedral lattice on the CPU, shared by dense_crf_cpu.cpp and
// bilateral_filter_cpu.cpp: lattice construction (embedding, hash table of
// vertices, blur neighbours) and the optional symmetric normalisation, in
// permutohedral_cpu.cpp; the splat / blur / slice steps on values of
// eight-float vectors (v8f), here.
//
// See permutohedral.h for the papers, the constants and the range limits.
//
// Layouts: a lattice over P points with M vertices keeps, per point, the d+1
// vertex rows of its simplex corners (`offset`, 1-based: row 0 is a zero row
// that stands for missing blur neighbours) and their barycentric weights;
// lattice values are (M + 1) rows of `nv` v8f each.
//
// Rounding: permutohedral_cpu.cpp is compiled without floating-point
// contraction (see there), so the lattice (which simplex each point falls in,
// the weights, the normalisation) is the one the CUDA code and the PyTorch
// reference build. The splat / slice loops below may be compiled into fused
// multiply-adds: they only change the filtered values by float rounding.
#pragma once

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "permutohedral.h"

namespace mmlabeleff {
namespace permutohedral {

// Packed keys: d coordinates of 16 bits (d <= 4: 64 bits, else 128).
using Key128 = unsigned __int128;
template <int D>
using KeyOf = std::conditional_t<(D <= 4), uint64_t, Key128>;

// Open-addressing hash table from packed lattice keys to vertex ids.
template <typename K>
class KeyTable {
 public:
  // Empty the table, sized for about `expected` keys.
  void reset(size_t expected) {
    size_t cap = 1024;
    while (cap < 2 * expected) cap <<= 1;
    keys_list_.clear();
    resize(cap);
  }

  int32_t insert(K key) {
    if (2 * (keys_list_.size() + 1) > slots_.size()) grow();
    size_t h = hash(key);
    while (slots_[h].id >= 0) {
      if (slots_[h].key == key) return slots_[h].id;
      h = (h + 1) & mask_;
    }
    slots_[h].key = key;
    slots_[h].id = static_cast<int32_t>(keys_list_.size());
    keys_list_.push_back(key);
    return slots_[h].id;
  }

  int32_t find(K key) const {
    size_t h = hash(key);
    while (slots_[h].id >= 0) {
      if (slots_[h].key == key) return slots_[h].id;
      h = (h + 1) & mask_;
    }
    return -1;
  }

  const std::vector<K>& keys() const { return keys_list_; }

  // Start loading the first slot `find(key)` will probe.
  void prefetch(K key) const { __builtin_prefetch(&slots_[hash(key)]); }

 private:
  struct Slot {
    K key;
    int32_t id;
  };

  size_t hash(K key) const {
    uint64_t x = static_cast<uint64_t>(key);
    if constexpr (sizeof(K) > 8)
      x ^= static_cast<uint64_t>(key >> 64) * 0xC2B2AE3D27D4EB4Full;
    return static_cast<size_t>((x * 0x9E3779B97F4A7C15ull) >> shift_);
  }

  void resize(size_t cap) {
    slots_.resize(cap);
    for (Slot& slot : slots_) slot.id = -1;
    mask_ = cap - 1;
    shift_ = 64;
    while ((size_t(1) << (64 - shift_)) < cap) --shift_;
  }

  void grow() {
    resize(slots_.size() * 2);
    for (size_t i = 0; i < keys_list_.size(); ++i) {
      size_t h = hash(keys_list_[i]);
      while (slots_[h].id >= 0) h = (h + 1) & mask_;
      slots_[h].key = keys_list_[i];
      slots_[h].id = static_cast<int32_t>(i);
    }
  }

  std::vector<Slot> slots_;
  size_t mask_ = 0;
  int shift_ = 64;
  std::vector<K> keys_list_;
};

// A lattice over P points.
struct Lattice {
  int dim = 0;
  int64_t num_points = 0;
  int64_t num_vertices = 0;
  std::vector<int32_t> offset;     // (P, d+1): vertex row (1-based; 0 = zero row)
  std::vector<float> weight;       // (P, d+1): barycentric weight (* norm(point))
  std::vector<int32_t> neighbors;  // (d+1, M, 2): blur neighbour rows (0 = none)
  float alpha = 1.f;               // slice scale 1 / (1 + 2^-d)
  // build scratch, kept so that repeated builds reuse their memory
  KeyTable<uint64_t> table64;
  KeyTable<Key128> table128;
  std::vector<float> norm_a, norm_b;
};

// Where the features of pixel p = (x, y) come from: (fx[x], fy[y]) for the
// position-only lattice (d = 2), followed for d = 5 by the three colours
// divided by srgb, read either from uint8 planes through a 256-entry table of
// c / srgb, or from float planes divided on the fly (the same float values
// for the same colours). Planes are (3, P), channel-major.
struct PixelFeatures {
  const float* fx = nullptr;     // (W) x / sxy
  const float* fy = nullptr;     // (H) y / sxy
  const uint8_t* u8 = nullptr;   // (3, P) uint8 colours, or
  const float* table = nullptr;  //   their features c / srgb (256)
  const float* f32 = nullptr;    // (3, P) float colours,
  float srgb = 1.f;              //   divided by srgb
};

// Embeds the P pixels of an image (rows of `row_width`) into a d-dimensional
// lattice (d = 2 or 5). `op` names the calling op in errors: a point outside
// the lattice's range (permutohedral.h) raises a ValueError before anything is
// written for it.
void build_lattice(int dim, int64_t num_points, int64_t row_width,
                   const PixelFeatures& features, const char* op, Lattice& lat);

// Symmetric normalisation n = 1 / sqrt(K 1) (densecrf's NORMALIZE_SYMMETRIC):
// filter a constant one, then fold n into the weights, so that splat and
// slice both use weight * n and the filter becomes v -> n K (n v).
void normalise_lattice(Lattice& lat);

// ---- values: eight floats per vector ---------------------------------------
// GCC/Clang vector extensions compile to SSE, AVX or AVX-512.
typedef float v8f __attribute__((vector_size(32)));
typedef int32_t v8i __attribute__((vector_size(32)));

inline v8f splat8(float x) { return v8f{x, x, x, x, x, x, x, x}; }

// Compile-time width NV (in v8f) when > 0, else the runtime width nv.
template <int NV>
inline int width(int nv) {
  return NV ? NV : nv;
}

// values[vertex] += weight * q for the d+1 vertices of point p.
template <int NV>
inline void splat_point(const Lattice& lat, const v8f* q_in, int nv_rt, v8f* values,
                        int64_t p) {
  const int nv = width<NV>(nv_rt);
  const int d1 = lat.dim + 1;
  const int32_t* off = lat.offset.data() + p * d1;
  const float* w = lat.weight.data() + p * d1;
  v8f local[NV ? NV : 1];
  if (NV)
    for (int c = 0; c < nv; ++c) local[c] = q_in[c];
  const v8f* q = NV ? local : q_in;  // a register copy: rows cannot alias it
  for (int r = 0; r < d1; ++r) {
    v8f* row = values + static_cast<int64_t>(off[r]) * nv;
    const float wr = w[r];
    for (int c = 0; c < nv; ++c) row[c] += wr * q[c];
  }
}

// One blur pass along one lattice axis for vertices [b, e):
// new = old + 0.5 (old[left] + old[right]); nb holds the (left, right) rows.
template <int NV>
void blur_axis(const int32_t* nb, const v8f* old_v, v8f* new_v, int nv_rt, int64_t b,
               int64_t e) {
  const int nv = width<NV>(nv_rt);
  for (int64_t m = b; m < e; ++m) {
    const v8f* o = old_v + (m + 1) * nv;
    const v8f* a = old_v + static_cast<int64_t>(nb[2 * m]) * nv;
    const v8f* z = old_v + static_cast<int64_t>(nb[2 * m + 1]) * nv;
    v8f* n = new_v + (m + 1) * nv;
    for (int c = 0; c < nv; ++c) n[c] = o[c] + 0.5f * (a[c] + z[c]);
  }
}

// acc = sum_r (weight_r * scale) * values[vertex_r] over the corners of point
// p: even corners summed in acc, odd ones in acc2 (two shorter dependency
// chains), then acc += acc2.
template <int NV>
inline void slice_point(const Lattice& lat, const v8f* values, int nv_rt, int64_t p,
                        float scale, v8f* acc, v8f* acc2) {
  const int nv = width<NV>(nv_rt);
  const int d1 = lat.dim + 1;
  const int32_t* off = lat.offset.data() + p * d1;
  const float* w = lat.weight.data() + p * d1;
  for (int c = 0; c < nv; ++c) acc[c] = splat8(0.f);
  for (int c = 0; c < nv; ++c) acc2[c] = splat8(0.f);
  int r = 0;
  for (; r + 1 < d1; r += 2) {
    const v8f* row = values + static_cast<int64_t>(off[r]) * nv;
    const v8f* row2 = values + static_cast<int64_t>(off[r + 1]) * nv;
    const float wr = w[r] * scale, wr2 = w[r + 1] * scale;
    for (int c = 0; c < nv; ++c) {
      acc[c] += wr * row[c];
      acc2[c] += wr2 * row2[c];
    }
  }
  if (r < d1) {
    const v8f* row = values + static_cast<int64_t>(off[r]) * nv;
    const float wr = w[r] * scale;
    for (int c = 0; c < nv; ++c) acc[c] += wr * row[c];
  }
  for (int c = 0; c < nv; ++c) acc[c] += acc2[c];
}

// The whole filter for one v8f of channels: out[p] = alpha * slice(blur(
// splat(in))). The blur runs along axes 0..d, or d..0 when `reverse` (the
// transposed filter: each blur pass is symmetric, so reversing their order
// transposes the product). a and b are scratch buffers, resized here.
inline void filter_v8(const Lattice& lat, const v8f* in, v8f* out, bool reverse,
                      std::vector<v8f>& a, std::vector<v8f>& b) {
  const int64_t m = lat.num_vertices;
  a.assign(m + 1, splat8(0.f));
  b.assign(m + 1, splat8(0.f));
  for (int64_t p = 0; p < lat.num_points; ++p) splat_point<1>(lat, in + p, 1, a.data(), p);
  v8f* cur = a.data();
  v8f* nxt = b.data();
  for (int k = 0; k <= lat.dim; ++k) {
    const int j = reverse ? lat.dim - k : k;
    blur_axis<1>(lat.neighbors.data() + j * m * 2, cur, nxt, 1, 0, m);
    std::swap(cur, nxt);
  }
  for (int64_t p = 0; p < lat.num_points; ++p) {
    v8f acc[1], acc2[1];
    slice_point<1>(lat, cur, 1, p, lat.alpha, acc, acc2);
    out[p] = acc[0];
  }
}

}  // namespace permutohedral
}  // namespace mmlabeleff
