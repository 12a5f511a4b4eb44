// Host checks of the permutohedral lattice's inputs (see permutohedral.h).
// mmlabeleff/ops/permutohedral.py has the same checks for the Python side.
#include "permutohedral.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace mmlabeleff {
namespace permutohedral {

float check_sigma(const char* op, const char* name, double value) {
  const float v = static_cast<float>(value);
  TORCH_CHECK_VALUE(std::isfinite(value) && std::isfinite(v) && v > 0.f, op, ": ", name,
                    " must be a finite number > 0 (in float32), got ", value);
  return v;
}

double elevation_bound(int d, const double* max_abs) {
  TORCH_CHECK(d >= 1 && d <= 16, "permutohedral: unsupported dimension ", d);
  float scale[16];
  elevation_scales(d, scale);
  double best = 0.0;
  for (int j = 0; j <= d; ++j) {
    double b = 0.0;
    for (int i = j; i < d; ++i) b += static_cast<double>(scale[i]) * max_abs[i];
    if (j > 0) b += j * static_cast<double>(scale[j - 1]) * max_abs[j - 1];
    if (std::isnan(b)) return b;
    best = std::max(best, b);
  }
  return best;
}

void check_feature_range(const char* op, int d, const double* max_abs,
                         const char* const* names) {
  const double bound = elevation_bound(d, max_abs);
  if (bound <= kMaxElevated) return;  // false for NaN
  // blame the argument whose axes alone exceed the limit, else all of them
  std::vector<std::string> distinct;
  for (int i = 0; i < d; ++i)
    if (std::find(distinct.begin(), distinct.end(), names[i]) == distinct.end())
      distinct.emplace_back(names[i]);
  std::string blamed;
  for (const std::string& name : distinct) {
    std::vector<double> only(d, 0.0);
    for (int i = 0; i < d; ++i)
      if (name == names[i]) only[i] = max_abs[i];
    if (!(elevation_bound(d, only.data()) <= kMaxElevated))
      blamed += (blamed.empty() ? "" : " and ") + name;
  }
  if (blamed.empty()) {
    for (const std::string& name : distinct)
      blamed += (blamed.empty() ? "" : " and ") + name;
  }
  TORCH_CHECK_VALUE(false, op, ": ", blamed,
                    " too small for this input: the features divided by it reach "
                    "lattice coordinates of ", bound, " (at most ", kMaxElevated,
                    " fit the lattice's int16 keys); increase ", blamed);
}

void check_finite(const char* op, const char* name, const at::Tensor& t) {
  if (!t.is_floating_point() || t.numel() == 0) return;
  if (at::isfinite(t.sum()).item<bool>()) return;
  TORCH_CHECK_VALUE(at::isfinite(t).all().item<bool>(), op, ": ", name,
                    " contains NaN or infinite values");
}

double max_abs(const char* op, const char* name, const at::Tensor& t) {
  if (t.numel() == 0) return 0.0;
  if (!t.is_floating_point()) {
    if (t.scalar_type() == at::kByte) return t.max().item<double>();
    return t.abs().max().item<double>();
  }
  check_finite(op, name, t);
  return t.abs().max().item<double>();
}

}  // namespace permutohedral
}  // namespace mmlabeleff
