// Input checks and CPU / CUDA dispatch of dense_crf_forward.
#include "dense_crf.h"

namespace mmlabeleff {

CompatKind classify_compat(const at::Tensor& compat) {
  const at::Tensor host = compat.cpu().contiguous();
  const float* mu = host.data_ptr<float>();
  const int64_t c = host.size(0);
  CompatKind kind{false, true, -mu[0]};
  for (int64_t i = 0; i < c; ++i) {
    for (int64_t j = 0; j < c; ++j) {
      const float v = mu[i * c + j];
      kind.used |= v != 0.f;
      if ((i == j && v != mu[0]) || (i != j && v != 0.f)) kind.potts = false;
    }
  }
  return kind;
}

at::Tensor dense_crf_forward(const at::Tensor& unary, const at::Tensor& images,
                             double gaussian_sxy, const at::Tensor& gaussian_compat,
                             double bilateral_sxy, double bilateral_srgb,
                             const at::Tensor& bilateral_compat, int64_t num_iters,
                             bool logits) {
  TORCH_CHECK(unary.dim() == 4, "dense_crf: unary must be (N, C, H, W), got ",
              unary.sizes());
  TORCH_CHECK(unary.scalar_type() == at::kFloat,
              "dense_crf: unary must be float32, got ", unary.scalar_type());
  TORCH_CHECK(images.dim() == 4 && images.size(1) == 3,
              "dense_crf: images must be (N, 3, H, W), got ", images.sizes());
  TORCH_CHECK(images.scalar_type() == at::kByte,
              "dense_crf: images must be uint8, got ", images.scalar_type());
  TORCH_CHECK(images.size(0) == unary.size(0) && images.size(2) == unary.size(2) &&
                  images.size(3) == unary.size(3),
              "dense_crf: unary ", unary.sizes(), " and images ", images.sizes(),
              " differ in batch or size");
  TORCH_CHECK(unary.device() == images.device(),
              "dense_crf: unary and images are on different devices");
  const int64_t c = unary.size(1);
  for (const at::Tensor* m : {&gaussian_compat, &bilateral_compat}) {
    TORCH_CHECK(m->dim() == 2 && m->size(0) == c && m->size(1) == c &&
                    m->scalar_type() == at::kFloat,
                "dense_crf: compat must be a (C, C) float32 matrix, got ",
                m->sizes());
  }
  TORCH_CHECK(gaussian_sxy > 0 && bilateral_sxy > 0 && bilateral_srgb > 0,
              "dense_crf: sxy and srgb must be positive");
  TORCH_CHECK(num_iters >= 0, "dense_crf: num_iters must be >= 0");
  if (unary.is_cuda()) {
#ifdef WITH_CUDA
    return dense_crf_forward_cuda(unary.contiguous(), images.contiguous(),
                                  gaussian_sxy, gaussian_compat.contiguous(),
                                  bilateral_sxy, bilateral_srgb,
                                  bilateral_compat.contiguous(), num_iters, logits);
#else
    TORCH_CHECK(false, "dense_crf: mmlabeleff._ext was compiled without CUDA");
#endif
  }
  return dense_crf_forward_cpu(unary.contiguous(), images.contiguous(), gaussian_sxy,
                               gaussian_compat.cpu().contiguous(), bilateral_sxy,
                               bilateral_srgb, bilateral_compat.cpu().contiguous(),
                               num_iters, logits);
}

}  // namespace mmlabeleff
