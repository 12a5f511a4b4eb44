// Construction of the CPU permutohedral lattice (see permutohedral_cpu.h and,
// for the maths, constants and range limits, permutohedral.h).
//
// Floating-point contraction is switched off for this file (and only this
// file): under -O3 -march=native GCC fuses a * b + c into one FMA (GNU mode
// contracts by default), which rounds once instead of twice. In the embedding
// that moves points near a simplex boundary into the neighbouring simplex, so
// the CPU lattice differed from the CUDA one (whose code spells every
// operation with round-to-nearest intrinsics, ph_add / ph_mul ..., which nvcc
// never fuses) and from the PyTorch reference: dense_crf marginals differed
// by up to 4e-4 on a 512x512 image. The pragma has the effect of
// -ffp-contract=off on the functions below; it is not a global flag because
// the mean-field and filtering loops (dense_crf_cpu.cpp, the v8f helpers in
// permutohedral_cpu.h) run about 1.3 times slower without FMAs, and their
// rounding does not decide anything discrete. The pragma comes after the
// library headers and before ours, so that every function of the lattice
// (embed_point and the ph_* helpers included) carries it and they inline into
// each other.
#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>
#include <vector>

#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#include "permutohedral.h"
#include "permutohedral_cpu.h"

namespace mmlabeleff {
namespace permutohedral {

namespace {

// Neighbouring pixels mostly fall in the same simplex: a direct-mapped cache
// from (vertex 0, ranks) to the d+1 vertex ids skips most hash-table lookups.
template <int D, typename Feat>
void build_lattice_impl(int64_t num_points, int64_t row_width, Feat feat, const char* op,
                        Lattice& lat) {
  constexpr int D1 = D + 1;
  lat.dim = D;
  lat.num_points = num_points;
  lat.offset.resize(num_points * D1);
  lat.weight.resize(num_points * D1);
  lat.alpha = slice_alpha(D);
  float scale[D];
  elevation_scales(D, scale);
  using K = KeyOf<D>;
  K unit[D1];
  K ones = 0;
  for (int i = 0; i < D; ++i) {
    unit[i] = K(1) << (16 * i);
    ones += unit[i];
  }
  unit[D] = 0;  // the last coordinate is implied (coordinates sum to zero)
  K delta[D1];  // vertex r from vertex r-1: +1 everywhere, -(d+1) on one axis
  for (int i = 0; i < D1; ++i) delta[i] = ones - K(D1) * unit[i];
  auto& table = [&]() -> KeyTable<K>& {
    if constexpr (D <= 4) return lat.table64;
    else return lat.table128;
  }();
  table.reset(2048);  // grows as needed; a small table stays in cache
  struct CachedSimplex {
    K key0;
    uint32_t ranks;
    int32_t ids[D1];
  };
  constexpr size_t kCacheSize = 4096;
  std::vector<CachedSimplex> cache(kCacheSize);
  for (auto& entry : cache) entry.ranks = ~0u;

  for (int64_t p = 0, x = 0, y = 0; p < num_points; ++p, ++x) {
    if (x == row_width) {
      x = 0;
      ++y;
    }
    float f[D];
    feat(p, x, y, f);
    Embedding<D> emb;
    TORCH_CHECK_VALUE(embed_point<D>(f, scale, emb), op,
                      ": lattice coordinate out of range or not finite at pixel ", p,
                      "; the features are too large for the standard deviations "
                      "(increase sxy / srgb)");
    // vertex 0 is rem0; vertex r adds 1 to every coordinate and takes d+1 off
    // the coordinate ranked d-r+1
    K key = 0;
    uint32_t ranks = 0;
    for (int i = 0; i < D; ++i) {
      key |= K(static_cast<uint16_t>(emb.rem0[i] + kKeyBias)) << (16 * i);
      ranks |= static_cast<uint32_t>(emb.rank[i]) << (3 * i);
    }
    uint64_t h = static_cast<uint64_t>(key) ^ (uint64_t(ranks) << 40);
    if constexpr (sizeof(K) > 8) h ^= static_cast<uint64_t>(key >> 64) * 0x9E3779B1ull;
    CachedSimplex& entry = cache[(h * 0x9E3779B97F4A7C15ull) >> 52];
    if (entry.ranks != ranks || entry.key0 != key) {
      entry.key0 = key;
      entry.ranks = ranks;
      for (int r = 0; r < D1; ++r) {
        if (r > 0) key += delta[emb.by_rank[D - r + 1]];
        entry.ids[r] = table.insert(key);
      }
    }
    for (int r = 0; r < D1; ++r) {
      lat.offset[p * D1 + r] = entry.ids[r] + 1;
      lat.weight[p * D1 + r] = emb.bary[r];
    }
  }

  const auto& keys = table.keys();
  const int64_t m = static_cast<int64_t>(keys.size());
  lat.num_vertices = m;
  lat.neighbors.resize(D1 * m * 2);
  constexpr int64_t kAhead = 16;  // lookups in flight: hide cache misses
  for (int j = 0; j < D1; ++j) {
    const K step = j < D ? K(D1) * unit[j] : K(0);
    for (int64_t i = 0; i < std::min(m, kAhead); ++i) {
      table.prefetch(keys[i] - ones + step);
      table.prefetch(keys[i] + ones - step);
    }
    for (int64_t i = 0; i < m; ++i) {
      if (i + kAhead < m) {
        table.prefetch(keys[i + kAhead] - ones + step);
        table.prefetch(keys[i + kAhead] + ones - step);
      }
      const K n1 = keys[i] - ones + step;
      const K n2 = keys[i] + ones - step;
      lat.neighbors[(j * m + i) * 2] = table.find(n1) + 1;
      lat.neighbors[(j * m + i) * 2 + 1] = table.find(n2) + 1;
    }
  }
}

}  // namespace

void build_lattice(int dim, int64_t num_points, int64_t row_width,
                   const PixelFeatures& in, const char* op, Lattice& lat) {
  TORCH_CHECK(in.fx && in.fy, op, ": lattice features missing");
  const float* fx = in.fx;
  const float* fy = in.fy;
  if (dim == 2) {
    build_lattice_impl<2>(
        num_points, row_width,
        [&](int64_t, int64_t x, int64_t y, float* f) {
          f[0] = fx[x];
          f[1] = fy[y];
        },
        op, lat);
  } else if (dim == 5 && in.u8 && in.table) {
    const uint8_t* img = in.u8;
    const float* table = in.table;
    build_lattice_impl<5>(
        num_points, row_width,
        [&](int64_t p, int64_t x, int64_t y, float* f) {
          f[0] = fx[x];
          f[1] = fy[y];
          f[2] = table[img[p]];
          f[3] = table[img[num_points + p]];
          f[4] = table[img[2 * num_points + p]];
        },
        op, lat);
  } else if (dim == 5 && in.f32) {
    const float* img = in.f32;
    const float srgb = in.srgb;
    build_lattice_impl<5>(
        num_points, row_width,
        [&](int64_t p, int64_t x, int64_t y, float* f) {
          f[0] = fx[x];
          f[1] = fy[y];
          f[2] = img[p] / srgb;
          f[3] = img[num_points + p] / srgb;
          f[4] = img[2 * num_points + p] / srgb;
        },
        op, lat);
  } else {
    TORCH_CHECK(false, op, ": unsupported lattice (d = ", dim, ")");
  }
}

void normalise_lattice(Lattice& lat) {
  const int d1 = lat.dim + 1;
  const int64_t m = lat.num_vertices;
  const int64_t entries = lat.num_points * d1;
  std::vector<float>& val = lat.norm_a;
  std::vector<float>& tmp = lat.norm_b;
  val.assign(m + 1, 0.f);
  tmp.assign(m + 1, 0.f);
  for (int64_t e = 0; e < entries; ++e)
    val[lat.offset[e]] = ph_add(val[lat.offset[e]], lat.weight[e]);
  for (int j = 0; j < d1; ++j) {
    const int32_t* nb = lat.neighbors.data() + j * m * 2;
    for (int64_t i = 0; i < m; ++i)
      tmp[i + 1] = ph_add(val[i + 1], ph_mul(0.5f, ph_add(val[nb[2 * i]], val[nb[2 * i + 1]])));
    std::swap(val, tmp);
  }
  for (int64_t p = 0; p < lat.num_points; ++p) {
    float s = 0.f;
    for (int r = 0; r < d1; ++r)
      s = ph_add(s, ph_mul(ph_mul(lat.weight[p * d1 + r], val[lat.offset[p * d1 + r]]),
                           lat.alpha));
    const float nrm = ph_rsqrt(ph_add(s, 1e-20f));
    for (int r = 0; r < d1; ++r) lat.weight[p * d1 + r] = ph_mul(lat.weight[p * d1 + r], nrm);
  }
}

}  // namespace permutohedral
}  // namespace mmlabeleff
