// Random walk with a sparse local transition matrix (AffinityNet / IRN
// propagation). Written from the formulas of Ahn & Kwak, "Learning Pixel-level
// Semantic Affinity with Image-level Supervision", CVPR 2018, and Ahn, Cho &
// Kwak, "Weakly Supervised Learning of Instance Segmentation with Inter-pixel
// Relations", CVPR 2019 (public code: jiwoon-ahn/psa and jiwoon-ahn/irn, MIT
// licence; no code was copied).
//
// Layouts (all contiguous, NCHW):
//   scores   (N, C, H, W)  float / double
//   affinity (N, K, H, W)  affinity[n, k, y, x] between (y, x) and
//                          (y + dy_k, x + dx_k); same dtype as scores
//   offsets  (K, 2)        int64 on the CPU, rows (dy_k, dx_k); the set is
//                          symmetric and ordered so that offset K-1-k == -offset k
//   weights  (N, K + 1, H, W) normalised transition weights, index K = self loop
#pragma once

#include <ATen/ATen.h>

namespace mmlabeleff {

// Largest log_t: the walk takes 2**log_t steps one after the other (see
// MAX_LOG_T in mmlabeleff/ops/random_walk.py for the reasons).
constexpr int64_t kMaxLogT = 16;

// Applies the row-normalised transition matrix P (or P^T when transpose is
// true) 2**log_t times to every channel of `scores`. Dispatches on the device
// of `scores` (CPU, or CUDA when compiled WITH_CUDA).
at::Tensor random_walk_forward(const at::Tensor& scores, const at::Tensor& affinity,
                               const at::Tensor& offsets, double beta, int64_t log_t,
                               bool transpose);

// The normalised transition weights (N, K + 1, H, W) of P (or of P^T when
// transpose is true): out[k] multiplies the score at offset k, out[K] the
// pixel's own score. Same device as `affinity`.
at::Tensor random_walk_weights(const at::Tensor& affinity, const at::Tensor& offsets,
                               double beta, bool transpose);

at::Tensor random_walk_forward_cpu(const at::Tensor& scores, const at::Tensor& affinity,
                                   const at::Tensor& offsets, double beta, int64_t log_t,
                                   bool transpose);
at::Tensor random_walk_weights_cpu(const at::Tensor& affinity, const at::Tensor& offsets,
                                   double beta, bool transpose);

#ifdef WITH_CUDA
at::Tensor random_walk_forward_cuda(const at::Tensor& scores, const at::Tensor& affinity,
                                    const at::Tensor& offsets, double beta, int64_t log_t,
                                    bool transpose);
at::Tensor random_walk_weights_cuda(const at::Tensor& affinity, const at::Tensor& offsets,
                                    double beta, bool transpose);
#endif

}  // namespace mmlabeleff
