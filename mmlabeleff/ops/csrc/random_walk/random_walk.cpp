// Device dispatch and argument checks of the random-walk op (see
// random_walk.h for the papers and the tensor layouts).
#include "random_walk.h"

#include <cmath>

namespace mmlabeleff {

namespace {

void check_offsets(const at::Tensor& offsets) {
  TORCH_CHECK(offsets.dim() == 2 && offsets.size(1) == 2,
              "random_walk: offsets must have shape (K, 2), got ", offsets.sizes());
  TORCH_CHECK(offsets.scalar_type() == at::kLong, "random_walk: offsets must be int64");
  TORCH_CHECK(offsets.device().is_cpu(), "random_walk: offsets must be a CPU tensor");
}

void check_affinity(const at::Tensor& affinity, const at::Tensor& offsets, double beta) {
  check_offsets(offsets);
  TORCH_CHECK(affinity.dim() == 4, "random_walk: affinity must be (N, K, H, W), got ",
              affinity.sizes());
  TORCH_CHECK(affinity.scalar_type() == at::kFloat || affinity.scalar_type() == at::kDouble,
              "random_walk: affinity must be float32 or float64, got ",
              affinity.scalar_type());
  TORCH_CHECK(affinity.size(1) == offsets.size(0), "random_walk: affinity has ",
              affinity.size(1), " channels but there are ", offsets.size(0), " offsets");
  TORCH_CHECK_VALUE(std::isfinite(beta) && beta > 0,
                    "random_walk: beta must be a finite number > 0, got ", beta);
}

}  // namespace

at::Tensor random_walk_weights(const at::Tensor& affinity, const at::Tensor& offsets,
                               double beta, bool transpose) {
  check_affinity(affinity, offsets, beta);
  if (affinity.is_cuda()) {
#ifdef WITH_CUDA
    return random_walk_weights_cuda(affinity, offsets, beta, transpose);
#else
    TORCH_CHECK(false, "random_walk: mmlabeleff._ext was not compiled with CUDA");
#endif
  }
  TORCH_CHECK(affinity.device().is_cpu(), "random_walk: unsupported device ",
              affinity.device());
  return random_walk_weights_cpu(affinity, offsets, beta, transpose);
}

at::Tensor random_walk_forward(const at::Tensor& scores, const at::Tensor& affinity,
                               const at::Tensor& offsets, double beta, int64_t log_t,
                               bool transpose) {
  check_affinity(affinity, offsets, beta);
  TORCH_CHECK(scores.dim() == 4, "random_walk: scores must be (N, C, H, W), got ",
              scores.sizes());
  TORCH_CHECK(scores.scalar_type() == affinity.scalar_type(),
              "random_walk: scores and affinity must have the same dtype, got ",
              scores.scalar_type(), " and ", affinity.scalar_type());
  TORCH_CHECK(scores.device() == affinity.device(),
              "random_walk: scores and affinity must be on the same device, got ",
              scores.device(), " and ", affinity.device());
  TORCH_CHECK(scores.size(0) == affinity.size(0) && scores.size(2) == affinity.size(2) &&
                  scores.size(3) == affinity.size(3),
              "random_walk: scores ", scores.sizes(), " and affinity ", affinity.sizes(),
              " must agree in N, H and W");
  // 2**log_t steps run one after the other: log_t is bounded so that a call
  // always ends (mmlabeleff/ops/random_walk.py, MAX_LOG_T, says why 16)
  TORCH_CHECK_VALUE(log_t >= 0 && log_t <= kMaxLogT, "random_walk: log_t must be in [0, ",
                    kMaxLogT, "], got ", log_t);
  if (scores.is_cuda()) {
#ifdef WITH_CUDA
    return random_walk_forward_cuda(scores, affinity, offsets, beta, log_t, transpose);
#else
    TORCH_CHECK(false, "random_walk: mmlabeleff._ext was not compiled with CUDA");
#endif
  }
  TORCH_CHECK(scores.device().is_cpu(), "random_walk: unsupported device ", scores.device());
  return random_walk_forward_cpu(scores, affinity, offsets, beta, log_t, transpose);
}

}  // namespace mmlabeleff
