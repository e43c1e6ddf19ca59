#pragma once
// e^x without a libm call, so that loops over it vectorize: x = n·ln 2 + r with |r| ≤ ln 2 / 2,
// e^r by the polynomial of Cephes' expf, 2^n put into the exponent bits. Within 1 ulp of
// std::exp where the result is a normal float; 0 below -87.33 (where e^x would be subnormal),
// +inf above 88.72, NaN for NaN.

#include <cstdint>
#include <cstring>

namespace huiyan::nn::kernels {

namespace fast_exp_detail {

constexpr float kMin = -87.33654f;
constexpr float kMax = 88.72283f;

// n = round(x / ln 2) and e^r for x in [kMin, kMax].
struct Split {
  float n;
  float p;
};
inline Split split(float clamped) {
  constexpr float kLog2e = 1.44269504088896341f;
  constexpr float kLn2High = 0.693359375f;  // ln 2 split so that n · kLn2High is exact
  constexpr float kLn2Low = -2.12194440e-4f;
  // Round to nearest by the 1.5·2^23 trick: no call, no mode dependence beyond the default.
  constexpr float kShift = 12582912.0f;
  const float n = (clamped * kLog2e + kShift) - kShift;
  const float r = clamped - n * kLn2High - n * kLn2Low;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  return {n, p};
}

// 2^e as a float, for e in [-126, 127].
inline float power_of_two(int32_t e) {
  const uint32_t bits = static_cast<uint32_t>(e + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return scale;
}

}  // namespace fast_exp_detail

inline float exp_fast(float x) {
  using namespace fast_exp_detail;
  const float clamped = x < kMin ? kMin : (x > kMax ? kMax : x);
  const auto [n, p] = split(clamped);
  // 2^n for n in [-126, 128]: at n = 128 split as 2 · 2^127 so the exponent stays in range.
  const int32_t e = static_cast<int32_t>(n);
  const int32_t half = e >> 1;
  // Selects, not branches, so that loops calling this vectorize.
  float result = p * power_of_two(half) * power_of_two(e - half);
  result = x < kMin ? 0.0f : result;
  result = x > kMax ? __builtin_inff() : result;
  return x != x ? x : result;
}

// exp_fast(x), bit for bit, for x ≤ 88 (as x - max in a softmax, which is ≤ 0) or NaN, in fewer
// steps: no overflow to test, and 2^n in one piece (n ≤ 127). Most of a softmax's or a
// log-sum-exp's time went to exp.
inline float exp_below_88(float x) {
  using namespace fast_exp_detail;
  const auto [n, p] = split(x < kMin ? kMin : x);
  // p · 2^n rounds once, as exp_fast's p · 2^half · 2^(n - half) does: the first factor is exact.
  // A NaN stays NaN through p.
  const float result = p * power_of_two(static_cast<int32_t>(n));
  return x < kMin ? 0.0f : result;
}

}  // namespace huiyan::nn::kernels
