// Bilateral filtering with the permutohedral lattice (Adams, Baek & Davis,
// Eurographics 2010), the appearance-kernel message of the dense CRF
// (Kraehenbuehl & Koltun, NIPS 2011): the lattice, features and constants are
// those of dense_crf (shared code in ../permutohedral/).
//
// Layouts (contiguous, NCHW):
//   x      (N, C, H, W) float32 values to filter
//   image  (N, 3, H, W) uint8 or float32 colours (0..255), same device
//   out    (N, C, H, W) float32
#pragma once

#include <ATen/ATen.h>

namespace mmlabeleff {

// out = F x with F v = alpha * slice(blur(splat(v))) ~ sum_j
// exp(-|p_i - p_j|^2 / (2 sxy^2) - |I_i - I_j|^2 / (2 srgb^2)) v_j, the
// lattice built on the features (x / sxy, y / sxy, I / srgb). normalize:
// v -> n F (n v) with n = 1 / sqrt(F 1) (dense_crf's symmetric
// normalisation). transpose: the blur passes run in reverse axis order, which
// applies the exact transpose of F (the gradient of the forward filter).
// Checks every argument on the host first (ValueError naming it).
at::Tensor bilateral_filter_forward(const at::Tensor& x, const at::Tensor& image,
                                    double sxy, double srgb, bool normalize,
                                    bool transpose);

at::Tensor bilateral_filter_forward_cpu(const at::Tensor& x, const at::Tensor& image,
                                        float sxy, float srgb, bool normalize,
                                        bool transpose);

#ifdef WITH_CUDA
at::Tensor bilateral_filter_forward_cuda(const at::Tensor& x, const at::Tensor& image,
                                         float sxy, float srgb, bool normalize,
                                         bool transpose);
#endif

}  // namespace mmlabeleff
