// Bilateral filtering on the CPU with the lattice shared with dense_crf
// (../permutohedral/permutohedral_cpu.h). Maths: Adams, Baek & Davis
// (Eurographics 2010) with the constants of the public densecrf code
// (Kraehenbuehl, BSD-like; pydensecrf, MIT); written from those formulas.
//
// Work split: the lattices of the N images are built in parallel
// (at::parallel_for over images); then every (image, block of 8 channels)
// is one task (at::parallel_for over tasks) that splats its block, blurs it
// along the d+1 axes and slices it back, with eight channels per vector.
#include <ATen/Parallel.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "../permutohedral/permutohedral_cpu.h"
#include "bilateral_filter.h"

namespace mmlabeleff {

namespace {

using namespace permutohedral;

// Builds the lattice of one image; features as dense_crf's bilateral kernel:
// (x / sxy, y / sxy, c / srgb) with float32 divisions. For uint8 images the
// colour features are tabulated (the same float values).
void build_image_lattice(const at::Tensor& image, int64_t i, int64_t h, int64_t w,
                         float sxy, float srgb, bool normalize, Lattice& lat) {
  const int64_t num_points = h * w;
  std::vector<float> bx(w), by(h), bc;
  for (int64_t x = 0; x < w; ++x) bx[x] = static_cast<float>(x) / sxy;
  for (int64_t y = 0; y < h; ++y) by[y] = static_cast<float>(y) / sxy;
  PixelFeatures feats;
  feats.fx = bx.data();
  feats.fy = by.data();
  if (image.scalar_type() == at::kByte) {
    bc.resize(256);
    for (int v = 0; v < 256; ++v) bc[v] = static_cast<float>(v) / srgb;
    feats.u8 = image.data_ptr<uint8_t>() + i * 3 * num_points;
    feats.table = bc.data();
  } else {
    feats.f32 = image.data_ptr<float>() + i * 3 * num_points;
    feats.srgb = srgb;
  }
  build_lattice(5, num_points, w, feats, "bilateral_filter", lat);
  if (normalize) normalise_lattice(lat);
}

}  // namespace

at::Tensor bilateral_filter_forward_cpu(const at::Tensor& x, const at::Tensor& image,
                                        float sxy, float srgb, bool normalize,
                                        bool transpose) {
  const int64_t n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  const int64_t num_points = h * w;
  const int64_t blocks = (c + 7) / 8;
  at::Tensor out = at::empty_like(x);
  std::vector<Lattice> lattices(n);
  at::parallel_for(0, n, 1, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i)
      build_image_lattice(image, i, h, w, sxy, srgb, normalize, lattices[i]);
  });
  const float* x_all = x.data_ptr<float>();
  float* out_all = out.data_ptr<float>();
  at::parallel_for(0, n * blocks, 1, [&](int64_t b, int64_t e) {
    std::vector<v8f> in(num_points), res(num_points), buf_a, buf_b;
    for (int64_t t = b; t < e; ++t) {
      const int64_t i = t / blocks, c0 = (t % blocks) * 8;
      const int lanes = static_cast<int>(std::min<int64_t>(8, c - c0));
      const float* src = x_all + (i * c + c0) * num_points;
      for (int64_t p = 0; p < num_points; ++p) in[p] = splat8(0.f);
      for (int l = 0; l < lanes; ++l)
        for (int64_t p = 0; p < num_points; ++p) in[p][l] = src[l * num_points + p];
      filter_v8(lattices[i], in.data(), res.data(), transpose, buf_a, buf_b);
      float* dst = out_all + (i * c + c0) * num_points;
      for (int l = 0; l < lanes; ++l)
        for (int64_t p = 0; p < num_points; ++p) dst[l * num_points + p] = res[p][l];
    }
  });
  return out;
}

}  // namespace mmlabeleff
