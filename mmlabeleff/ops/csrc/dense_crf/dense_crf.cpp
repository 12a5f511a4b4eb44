// Input checks and CPU / CUDA dispatch of dense_crf_forward.
#include "dense_crf.h"

#include <algorithm>

#include "../permutohedral/permutohedral.h"

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
  TORCH_CHECK_VALUE(unary.dim() == 4, "dense_crf: unary must be (N, C, H, W), got ",
                    unary.sizes());
  TORCH_CHECK_TYPE(unary.scalar_type() == at::kFloat,
                   "dense_crf: unary must be float32, got ", unary.scalar_type());
  TORCH_CHECK_VALUE(images.dim() == 4 && images.size(1) == 3,
                    "dense_crf: images must be (N, 3, H, W), got ", images.sizes());
  TORCH_CHECK_TYPE(images.scalar_type() == at::kByte,
                   "dense_crf: images must be uint8, got ", images.scalar_type());
  TORCH_CHECK_VALUE(images.size(0) == unary.size(0) && images.size(2) == unary.size(2) &&
                        images.size(3) == unary.size(3),
                    "dense_crf: unary ", unary.sizes(), " and images ", images.sizes(),
                    " differ in batch or size");
  TORCH_CHECK_VALUE(unary.device() == images.device(),
                    "dense_crf: unary and images are on different devices");
  const int64_t c = unary.size(1);
  for (const at::Tensor* m : {&gaussian_compat, &bilateral_compat}) {
    TORCH_CHECK_VALUE(m->dim() == 2 && m->size(0) == c && m->size(1) == c &&
                          m->scalar_type() == at::kFloat,
                      "dense_crf: compat must be a (C, C) float32 matrix, got ",
                      m->sizes());
  }
  namespace ph = permutohedral;
  ph::check_finite("dense_crf", "gaussian_compat", gaussian_compat);
  ph::check_finite("dense_crf", "bilateral_compat", bilateral_compat);
  TORCH_CHECK_VALUE(num_iters >= 0, "dense_crf: num_iters must be >= 0, got ", num_iters);
  // Every sigma finite and > 0, every lattice coordinate inside the int16
  // keys (permutohedral.h): checked here, on the host, before any kernel runs,
  // whatever the device and the number of iterations.
  const double gsx = ph::check_sigma("dense_crf", "gaussian_sxy", gaussian_sxy);
  const double bsx = ph::check_sigma("dense_crf", "bilateral_sxy", bilateral_sxy);
  const double bsr = ph::check_sigma("dense_crf", "bilateral_srgb", bilateral_srgb);
  ph::check_finite("dense_crf", "unary", unary);
  const double xmax = static_cast<double>(std::max<int64_t>(unary.size(3) - 1, 0));
  const double ymax = static_cast<double>(std::max<int64_t>(unary.size(2) - 1, 0));
  const double cmax = ph::max_abs("dense_crf", "images", images);
  const double gauss_max[2] = {xmax / gsx, ymax / gsx};
  const char* gauss_names[2] = {"gaussian_sxy", "gaussian_sxy"};
  ph::check_feature_range("dense_crf", 2, gauss_max, gauss_names);
  const double bilat_max[5] = {xmax / bsx, ymax / bsx, cmax / bsr, cmax / bsr, cmax / bsr};
  const char* bilat_names[5] = {"bilateral_sxy", "bilateral_sxy", "bilateral_srgb",
                                "bilateral_srgb", "bilateral_srgb"};
  ph::check_feature_range("dense_crf", 5, bilat_max, bilat_names);
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
