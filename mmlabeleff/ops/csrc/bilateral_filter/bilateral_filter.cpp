// Input checks and CPU / CUDA dispatch of bilateral_filter_forward.
#include "bilateral_filter.h"

#include <algorithm>

#include "../permutohedral/permutohedral.h"

namespace mmlabeleff {

at::Tensor bilateral_filter_forward(const at::Tensor& x, const at::Tensor& image,
                                    double sxy, double srgb, bool normalize,
                                    bool transpose) {
  TORCH_CHECK_VALUE(x.dim() == 4, "bilateral_filter: x must be (N, C, H, W), got ",
                    x.sizes());
  TORCH_CHECK_TYPE(x.scalar_type() == at::kFloat,
                   "bilateral_filter: x must be float32, got ", x.scalar_type());
  TORCH_CHECK_VALUE(image.dim() == 4 && image.size(1) == 3,
                    "bilateral_filter: image must be (N, 3, H, W), got ", image.sizes());
  TORCH_CHECK_TYPE(image.scalar_type() == at::kFloat || image.scalar_type() == at::kByte,
                   "bilateral_filter: image must be uint8 or float32, got ",
                   image.scalar_type());
  TORCH_CHECK_VALUE(image.size(0) == x.size(0) && image.size(2) == x.size(2) &&
                        image.size(3) == x.size(3),
                    "bilateral_filter: x ", x.sizes(), " and image ", image.sizes(),
                    " differ in batch or size");
  TORCH_CHECK_VALUE(x.device() == image.device(), "bilateral_filter: x is on ",
                    x.device(), " but image on ", image.device());
  TORCH_CHECK_VALUE(x.size(2) * x.size(3) < (int64_t(1) << 31) / 8,
                    "bilateral_filter: image too large (", x.size(2), "x", x.size(3), ")");
  // finite sigmas, lattice coordinates inside the int16 keys (permutohedral.h)
  namespace ph = permutohedral;
  const float fsxy = ph::check_sigma("bilateral_filter", "sxy", sxy);
  const float fsrgb = ph::check_sigma("bilateral_filter", "srgb", srgb);
  const double xmax = static_cast<double>(std::max<int64_t>(x.size(3) - 1, 0));
  const double ymax = static_cast<double>(std::max<int64_t>(x.size(2) - 1, 0));
  const double cmax = ph::max_abs("bilateral_filter", "image", image);
  const double bounds[5] = {xmax / fsxy, ymax / fsxy, cmax / fsrgb, cmax / fsrgb,
                            cmax / fsrgb};
  const char* names[5] = {"sxy", "sxy", "srgb", "srgb", "srgb"};
  ph::check_feature_range("bilateral_filter", 5, bounds, names);
  if (x.numel() == 0) return at::empty_like(x, at::MemoryFormat::Contiguous);
  if (x.is_cuda()) {
#ifdef WITH_CUDA
    return bilateral_filter_forward_cuda(x.contiguous(), image.contiguous(), fsxy, fsrgb,
                                         normalize, transpose);
#else
    TORCH_CHECK(false, "bilateral_filter: mmlabeleff._ext was compiled without CUDA");
#endif
  }
  TORCH_CHECK_VALUE(x.device().is_cpu(), "bilateral_filter: unsupported device ",
                    x.device());
  return bilateral_filter_forward_cpu(x.contiguous(), image.contiguous(), fsxy, fsrgb,
                                      normalize, transpose);
}

}  // namespace mmlabeleff
