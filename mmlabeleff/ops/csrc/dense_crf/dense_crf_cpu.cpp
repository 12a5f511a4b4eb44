// Dense CRF mean-field inference on CPU.
//
// Maths: Kraehenbuehl & Koltun, "Efficient Inference in Fully Connected CRFs
// with Gaussian Edge Potentials" (NIPS 2011); permutohedral lattice of Adams,
// Baek & Davis (Eurographics 2010) with the constants of the public densecrf
// code (BSD-like; pydensecrf, MIT) so results match pydensecrf. Written from
// those formulas; see mmlabeleff/ops/permutohedral.py for the readable version.
// The lattice (embedding, splat, blur, slice) is the one shared with
// bilateral_filter, in ../permutohedral/permutohedral_cpu.h.
//
// num_iters = 0 returns the normalised unary softmax(-U) and builds no
// lattice, as the CUDA kernel does.
//
// What makes it fast:
//  * the lattice of the position-only (Gaussian) kernel depends on the image
//    size only and is built once per call for the whole batch;
//  * both kernels' symmetric normalisation and the Potts weight are folded into
//    per-point splat / slice weights, so an iteration is: blur, and one fused
//    pass per pixel that slices both kernels, applies the compatibility,
//    renormalises and splats the result for the next iteration;
//  * values are pixel-major with the classes padded to a multiple of 8 and the
//    inner loops have compile-time widths, so they vectorise;
//  * the softmax runs in the probability domain (Q ~ p * exp(s)), which needs
//    one vectorised exp per value and no log;
//  * images run in parallel (at::parallel_for); a single image parallelises
//    its splat, blur and slice instead.
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <memory>
#include <vector>

#include "../permutohedral/permutohedral_cpu.h"
#include "dense_crf.h"

namespace mmlabeleff {
namespace {

using namespace permutohedral;  // Lattice, v8f and the lattice steps

// exp for x <= 0 on eight lanes (Cephes-style range reduction + polynomial).
inline v8f fast_exp(v8f x) {
  x = x < splat8(-87.0f) ? splat8(-87.0f) : x;
  const v8f fx = x * 1.44269504088896341f + 0.5f;
  v8f fl = __builtin_convertvector(__builtin_convertvector(fx, v8i), v8f);
  fl = fl > fx ? fl - 1.0f : fl;
  x = x - fl * 0.693359375f + fl * 2.12194440e-4f;
  const v8f z = x * x;
  // Estrin's scheme: shorter dependency chains than Horner's
  const v8f p01 = x * 1.9875691500e-4f + 1.3981999507e-3f;
  const v8f p23 = x * 8.3334519073e-3f + 4.1665795894e-2f;
  const v8f p45 = x * 1.6666665459e-1f + 5.0000001201e-1f;
  const v8f y = ((p01 * z + p23) * z + p45) * z + x + 1.0f;
  const v8i bits = (__builtin_convertvector(fl, v8i) + 127) << 23;
  return y * reinterpret_cast<const v8f&>(bits);
}

// Maximum / sum of the eight lanes, broadcast to all lanes (a shuffle tree).
inline v8f hmax(v8f v) {
  v8f t = __builtin_shufflevector(v, v, 4, 5, 6, 7, 0, 1, 2, 3);
  v = v > t ? v : t;
  t = __builtin_shufflevector(v, v, 2, 3, 0, 1, 6, 7, 4, 5);
  v = v > t ? v : t;
  t = __builtin_shufflevector(v, v, 1, 0, 3, 2, 5, 4, 7, 6);
  return v > t ? v : t;
}

inline v8f hsum(v8f v) {
  v += __builtin_shufflevector(v, v, 4, 5, 6, 7, 0, 1, 2, 3);
  v += __builtin_shufflevector(v, v, 2, 3, 0, 1, 6, 7, 4, 5);
  return v + __builtin_shufflevector(v, v, 1, 0, 3, 2, 5, 4, 7, 6);
}

// One kernel of the CRF: its lattice and its label compatibility.
struct PairwiseKernel {
  const Lattice* lattice = nullptr;
  bool potts = true;          // compat = -w I
  float slice_scale = 1.f;    // alpha * w (Potts) or alpha (matrix)
  std::vector<float> compat;  // (C, C) penalty matrix when not Potts
};

// s = -sum_k compat_k(slice_k(blurred_k)) at point p (written to s_out).
template <int NV>
inline void slice_kernels_point(const std::vector<PairwiseKernel>& kernels,
                        const v8f* const* blurred, int num_classes, int nv_rt,
                        int64_t p, v8f* acc_rt, v8f* s_out) {
  const int nv = width<NV>(nv_rt);
  // fixed widths accumulate in registers; the runtime width uses scratch
  v8f s_loc[NV ? NV : 1], acc_loc[NV ? NV : 1], acc2_loc[NV ? NV : 1];
  v8f* s = NV ? s_loc : s_out;
  v8f* acc = NV ? acc_loc : acc_rt;
  v8f* acc2 = NV ? acc2_loc : acc_rt + nv;
  for (int c = 0; c < nv; ++c) s[c] = splat8(0.f);
  for (size_t k = 0; k < kernels.size(); ++k) {
    permutohedral::slice_point<NV>(*kernels[k].lattice, blurred[k], nv, p,
                                   kernels[k].slice_scale, acc, acc2);
    if (kernels[k].potts) {
      for (int c = 0; c < nv; ++c) s[c] += acc[c];
    } else {
      const float* mu = kernels[k].compat.data();
      for (int c = 0; c < num_classes; ++c) {
        float t = 0.f;
        for (int c2 = 0; c2 < num_classes; ++c2)
          t += mu[c * num_classes + c2] * acc[c2 / 8][c2 % 8];
        s[c / 8][c % 8] -= t;
      }
    }
  }
  if (NV)
    for (int c = 0; c < nv; ++c) s_out[c] = s[c];
}

// q = normalise(prob * exp(s - max s)), the probability-domain softmax of
// log(prob) + s. pad_bias is -3e38 on padded lanes (prob 0, they stay 0).
template <int NV>
inline void normalise_point(const v8f* s, const v8f* pp, const v8f* pad_bias,
                            int nv_rt, v8f* q) {
  const int nv = width<NV>(nv_rt);
  v8f mx = s[0] + pad_bias[0];
  for (int c = 1; c < nv; ++c) {
    const v8f sc = s[c] + pad_bias[c];
    mx = mx > sc ? mx : sc;
  }
  const v8f m = hmax(mx);
  v8f tot = splat8(0.f);
  for (int c = 0; c < nv; ++c) {
    q[c] = pp[c] * fast_exp(s[c] - m);
    tot += q[c];
  }
  const v8f inv = 1.0f / hsum(tot);
  for (int c = 0; c < nv; ++c) q[c] *= inv;
}

// Mean-field iterations for one image. Each iteration blurs the splatted
// marginals of every kernel, then makes one pass over the points that slices,
// updates the marginals and splats them for the next iteration (the marginals
// are never stored until the last iteration writes them to `out`).
//   splatted[k]: (M_k + 1, nv) marginals splatted by load_prob / last pass.
//   parts[t][k]: per-chunk splat buffers when the pass runs on several threads.
template <int NV>
void run_iterations(const std::vector<PairwiseKernel>& kernels,
                    std::vector<std::vector<v8f>>& bufs,
                    std::vector<std::vector<std::vector<v8f>>>& parts,
                    const v8f* prob, int64_t num_points, int num_classes, int nv,
                    int64_t num_iters, float* out) {
  const size_t nk = kernels.size();
  std::vector<v8f*> cur(nk), spare(nk);
  for (size_t k = 0; k < nk; ++k) {
    cur[k] = bufs[2 * k].data();
    spare[k] = bufs[2 * k + 1].data();
  }
  const int64_t chunks = std::max<int64_t>(1, static_cast<int64_t>(parts.size()));
  std::vector<v8f> pad_bias(nv, splat8(0.f));
  for (int c = num_classes; c < nv * 8; ++c) pad_bias[c / 8][c % 8] = -3.0e38f;
  for (int64_t it = 0; it < num_iters; ++it) {
    const bool last = it + 1 == num_iters;
    std::vector<const v8f*> blurred(nk);
    for (size_t k = 0; k < nk; ++k) {
      const Lattice& lat = *kernels[k].lattice;
      const int64_t m = lat.num_vertices;
      const int64_t grain = chunks > 1 ? 2048 : m + 1;
      for (int j = 0; j <= lat.dim; ++j) {
        const int32_t* nb = lat.neighbors.data() + j * m * 2;
        at::parallel_for(0, m, grain, [&](int64_t b, int64_t e) {
          blur_axis<NV>(nb, cur[k], spare[k], nv, b, e);
        });
        std::swap(cur[k], spare[k]);
      }
      blurred[k] = cur[k];  // spare[k] is free: next iteration's splat target
      if (!last && chunks == 1) {
        std::fill(spare[k], spare[k] + (m + 1) * nv, splat8(0.f));
      }
    }
    at::parallel_for(0, chunks, 1, [&](int64_t cb, int64_t ce) {
      // Points go in blocks: slice a block, normalise it, splat it. Short
      // independent loop bodies let the CPU overlap consecutive points.
      constexpr int kBlock = 16;
      std::vector<v8f> scratch((2 * kBlock + 2) * nv);
      v8f* s_blk = scratch.data();
      v8f* q_blk = s_blk + kBlock * nv;
      v8f* acc = q_blk + kBlock * nv;  // two accumulators (runtime width)
      for (int64_t t = cb; t < ce; ++t) {
        std::vector<v8f*> target(nk);
        for (size_t k = 0; k < nk; ++k) {
          if (chunks == 1) {
            target[k] = spare[k];
          } else if (!last) {
            auto& buf = parts[t][k];
            std::fill(buf.begin(), buf.end(), splat8(0.f));
            target[k] = buf.data();
          }
        }
        const int64_t pb = num_points * t / chunks, pe = num_points * (t + 1) / chunks;
        for (int64_t p0 = pb; p0 < pe; p0 += kBlock) {
          const int n = static_cast<int>(std::min<int64_t>(kBlock, pe - p0));
          for (int i = 0; i < n; ++i)
            slice_kernels_point<NV>(kernels, blurred.data(), num_classes, nv, p0 + i, acc,
                            s_blk + i * nv);
          for (int i = 0; i < n; ++i)
            normalise_point<NV>(s_blk + i * nv, prob + (p0 + i) * nv, pad_bias.data(),
                                nv, q_blk + i * nv);
          if (last) {
            for (int c = 0; c < num_classes; ++c)
              for (int i = 0; i < n; ++i)
                out[c * num_points + p0 + i] = q_blk[i * nv + c / 8][c % 8];
          } else {
            for (size_t k = 0; k < nk; ++k)
              for (int i = 0; i < n; ++i)
                splat_point<NV>(*kernels[k].lattice, q_blk + i * nv, nv, target[k],
                                p0 + i);
          }
        }
      }
    });
    if (!last) {
      for (size_t k = 0; k < nk; ++k) {
        if (chunks > 1) {
          const int64_t row = (kernels[k].lattice->num_vertices + 1) * nv;
          v8f* dst = spare[k];
          at::parallel_for(0, row, 4096, [&](int64_t b, int64_t e) {
            for (int64_t i = b; i < e; ++i) {
              v8f a = parts[0][k][i];
              for (int64_t t = 1; t < chunks; ++t) a += parts[t][k][i];
              dst[i] = a;
            }
          });
        }
        std::swap(cur[k], spare[k]);
      }
    }
  }
}


// Potts iff compat = -w I; returns false for a general matrix.
PairwiseKernel make_kernel(const Lattice* lat, const at::Tensor& compat,
                           const CompatKind& kind, int c) {
  PairwiseKernel k;
  k.lattice = lat;
  k.potts = kind.potts;
  if (!k.potts) {
    const float* mu = compat.data_ptr<float>();
    k.compat.assign(mu, mu + c * c);
  }
  k.slice_scale = lat->alpha * (kind.potts ? kind.potts_weight : 1.f);
  return k;
}

// Class probabilities of one image, pixel-major, classes padded with zeros,
// and the initial marginals Q0 = prob / sum(prob): splatted into `targets`
// (iterations follow) or written to `out` (no iterations). Pixels go in
// blocks so that reading the channel-major input stays sequential.
template <int NV>
void load_prob(const float* u, int c, int nv_rt, int64_t num_points, bool logits,
               const std::vector<PairwiseKernel>& kernels,
               const std::vector<v8f*>& targets, v8f* prob_v, float* out) {
  const int nv = width<NV>(nv_rt);
  const int cp = nv * 8;
  constexpr int64_t kBlock = 64;
  std::vector<v8f> q_blk(kBlock * nv);
  for (int64_t p0 = 0; p0 < num_points; p0 += kBlock) {
    const int64_t n = std::min(kBlock, num_points - p0);
    float* pb = reinterpret_cast<float*>(prob_v + p0 * nv);
    for (int64_t i = 0; i < n; ++i)
      for (int k = c; k < cp; ++k) pb[i * cp + k] = 0.f;
    for (int k = 0; k < c; ++k) {
      const float* src = u + k * num_points + p0;
      if (logits) {
        for (int64_t i = 0; i < n; ++i) pb[i * cp + k] = src[i];
      } else {  // pydensecrf's unary_from_softmax clips to [1e-5, 1]
        for (int64_t i = 0; i < n; ++i)
          pb[i * cp + k] = std::min(std::max(src[i], 1e-5f), 1.0f);
      }
    }
    for (int64_t i = 0; i < n; ++i) {
      float* pp = pb + i * cp;
      if (logits) {  // softmax, kept away from 0 so no class is ever excluded
        float mx = pp[0];
        for (int k = 1; k < c; ++k) mx = std::max(mx, pp[k]);
        float total = 0.f;
        for (int k = 0; k < c; ++k) {
          pp[k] = std::exp(pp[k] - mx);
          total += pp[k];
        }
        for (int k = 0; k < c; ++k) pp[k] = std::max(pp[k] / total, 1e-37f);
      }
      const v8f* pv = prob_v + (p0 + i) * nv;
      v8f tot = pv[0];
      for (int k = 1; k < nv; ++k) tot += pv[k];
      const v8f total = hsum(tot);
      v8f* q = q_blk.data() + i * nv;
      for (int k = 0; k < nv; ++k) q[k] = pv[k] / total;
    }
    if (targets.empty()) {
      for (int k = 0; k < c; ++k)
        for (int64_t i = 0; i < n; ++i) out[k * num_points + p0 + i] = q_blk[i * nv + k / 8][k % 8];
    } else {
      for (size_t k = 0; k < kernels.size(); ++k)
        for (int64_t i = 0; i < n; ++i)
          splat_point<NV>(*kernels[k].lattice, q_blk.data() + i * nv, nv, targets[k],
                          p0 + i);
    }
  }
}

// Calls f(std::integral_constant<int, NV>) with NV = nv for the compiled
// fixed widths (up to 64 classes) and NV = 0 (runtime width) otherwise.
template <typename F>
void dispatch_width(int nv, F&& f) {
  switch (nv) {
    case 1: return f(std::integral_constant<int, 1>());
    case 2: return f(std::integral_constant<int, 2>());
    case 3: return f(std::integral_constant<int, 3>());
    case 4: return f(std::integral_constant<int, 4>());
    case 5: return f(std::integral_constant<int, 5>());
    case 6: return f(std::integral_constant<int, 6>());
    case 7: return f(std::integral_constant<int, 7>());
    case 8: return f(std::integral_constant<int, 8>());
    default: return f(std::integral_constant<int, 0>());
  }
}

// Buffers of one image's inference. Each thread keeps its own across calls
// (thread_local) so that repeated calls do not page-fault fresh memory in;
// vectors only grow, and are freed when the thread exits.
struct Workspace {
  Lattice gauss, bilat;
  std::vector<std::vector<v8f>> bufs;                // two per kernel
  std::vector<std::vector<std::vector<v8f>>> parts;  // per chunk, per kernel
  std::vector<v8f> prob;
};

Workspace& thread_workspace() {
  static thread_local Workspace ws;
  return ws;
}

}  // namespace

at::Tensor dense_crf_forward_cpu(const at::Tensor& unary, const at::Tensor& images,
                                 double gaussian_sxy,
                                 const at::Tensor& gaussian_compat,
                                 double bilateral_sxy, double bilateral_srgb,
                                 const at::Tensor& bilateral_compat,
                                 int64_t num_iters, bool logits) {
  const int64_t n = unary.size(0);
  const int c = static_cast<int>(unary.size(1));
  const int64_t h = unary.size(2), w = unary.size(3);
  const int64_t num_points = h * w;
  TORCH_CHECK(num_points < (int64_t(1) << 31) / 8,
              "dense_crf: image too large (", h, "x", w, ")");
  const int nv = (c + 7) / 8;
  auto out = at::empty({n, c, h, w}, unary.options());
  const CompatKind gauss_kind = classify_compat(gaussian_compat);
  const CompatKind bilat_kind = classify_compat(bilateral_compat);
  // no iterations: Q = softmax(-U), no lattice is needed
  const bool use_gauss = gauss_kind.used && num_iters > 0;
  const bool use_bilat = bilat_kind.used && num_iters > 0;

  // pydensecrf's features are float divisions (x / sxy, colour / srgb);
  // tabulate them once (same values, no divisions per pixel)
  const float gsx = static_cast<float>(gaussian_sxy);
  const float bsx = static_cast<float>(bilateral_sxy);
  const float bsr = static_cast<float>(bilateral_srgb);
  std::vector<float> gx(w), gy(h), bx(w), by(h), bc(256);
  for (int64_t x = 0; x < w; ++x) gx[x] = static_cast<float>(x) / gsx;
  for (int64_t y = 0; y < h; ++y) gy[y] = static_cast<float>(y) / gsx;
  for (int64_t x = 0; x < w; ++x) bx[x] = static_cast<float>(x) / bsx;
  for (int64_t y = 0; y < h; ++y) by[y] = static_cast<float>(y) / bsx;
  for (int v = 0; v < 256; ++v) bc[v] = static_cast<float>(v) / bsr;
  // The Gaussian kernel's lattice depends on the image size only: build once.
  Lattice& gauss = thread_workspace().gauss;
  if (use_gauss) {
    PixelFeatures feats;
    feats.fx = gx.data();
    feats.fy = gy.data();
    build_lattice(2, num_points, w, feats, "dense_crf", gauss);
    normalise_lattice(gauss);
  }
  const int num_threads = at::get_num_threads();
  const bool parallel_inside = n < num_threads;
  const float* u_all = unary.data_ptr<float>();
  const uint8_t* img_all = images.data_ptr<uint8_t>();
  float* out_all = out.data_ptr<float>();

  at::parallel_for(0, n, 1, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      Workspace& ws = thread_workspace();
      Lattice& bilat = ws.bilat;
      if (use_bilat) {
        PixelFeatures feats;
        feats.fx = bx.data();
        feats.fy = by.data();
        feats.u8 = img_all + i * 3 * num_points;
        feats.table = bc.data();
        build_lattice(5, num_points, w, feats, "dense_crf", bilat);
        normalise_lattice(bilat);
      }
      std::vector<PairwiseKernel> kernels;
      if (use_gauss)
        kernels.push_back(make_kernel(&gauss, gaussian_compat, gauss_kind, c));
      if (use_bilat)
        kernels.push_back(make_kernel(&bilat, bilateral_compat, bilat_kind, c));
      const bool iterate = !kernels.empty() && num_iters > 0;
      std::vector<std::vector<v8f>>& bufs = ws.bufs;
      bufs.resize(2 * kernels.size());
      std::vector<v8f*> targets;
      if (iterate) {
        for (size_t k = 0; k < kernels.size(); ++k)
          for (int t = 0; t < 2; ++t)
            bufs[2 * k + t].assign((kernels[k].lattice->num_vertices + 1) * nv,
                                   splat8(0.f));
        for (size_t k = 0; k < kernels.size(); ++k) targets.push_back(bufs[2 * k].data());
      }
      std::vector<std::vector<std::vector<v8f>>>& parts = ws.parts;
      const bool chunked = iterate && parallel_inside && num_threads > 1;
      parts.resize(chunked ? num_threads : 0);
      for (auto& per_chunk : parts) {
        per_chunk.resize(kernels.size());
        for (size_t k = 0; k < kernels.size(); ++k)
          per_chunk[k].resize((kernels[k].lattice->num_vertices + 1) * nv);
      }
      std::vector<v8f>& prob = ws.prob;
      prob.resize(num_points * nv);
      float* o = out_all + i * c * num_points;
      dispatch_width(nv, [&](auto width_tag) {
        constexpr int NV = decltype(width_tag)::value;
        load_prob<NV>(u_all + i * c * num_points, c, nv, num_points, logits, kernels,
                      targets, prob.data(), o);
        if (iterate)
          run_iterations<NV>(kernels, bufs, parts, prob.data(), num_points, c, nv,
                             num_iters, o);
      });
    }
  });
  return out;
}

}  // namespace mmlabeleff
