// Dense CRF (Kraehenbuehl & Koltun, NIPS 2011) mean-field inference with
// permutohedral-lattice filtering (Adams, Baek & Davis, Eurographics 2010).
#pragma once
#include <torch/extension.h>

namespace mmlabeleff {

// How a (C, C) compatibility acts: switched off (all zeros), Potts (-w I,
// `potts_weight` = w) or a general penalty matrix. Shared by both kernels.
struct CompatKind {
  bool used;
  bool potts;
  float potts_weight;
};
CompatKind classify_compat(const at::Tensor& compat);

// unary: (N, C, H, W) float32 probabilities (logits=false) or logits;
// images: (N, 3, H, W) uint8; *_compat: (C, C) float32 penalty matrices
// (Potts weight w is -w * I; all zeros switches a kernel off).
// Returns (N, C, H, W) float32 marginals after num_iters mean-field steps.
at::Tensor dense_crf_forward(const at::Tensor& unary, const at::Tensor& images,
                             double gaussian_sxy, const at::Tensor& gaussian_compat,
                             double bilateral_sxy, double bilateral_srgb,
                             const at::Tensor& bilateral_compat, int64_t num_iters,
                             bool logits);

at::Tensor dense_crf_forward_cpu(const at::Tensor& unary, const at::Tensor& images,
                                 double gaussian_sxy,
                                 const at::Tensor& gaussian_compat,
                                 double bilateral_sxy, double bilateral_srgb,
                                 const at::Tensor& bilateral_compat,
                                 int64_t num_iters, bool logits);

#ifdef WITH_CUDA
at::Tensor dense_crf_forward_cuda(const at::Tensor& unary, const at::Tensor& images,
                                  double gaussian_sxy,
                                  const at::Tensor& gaussian_compat,
                                  double bilateral_sxy, double bilateral_srgb,
                                  const at::Tensor& bilateral_compat,
                                  int64_t num_iters, bool logits);
#endif

}  // namespace mmlabeleff
