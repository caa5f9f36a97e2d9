// Nice-number ticks and their labels.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "elbo/report/ticks.hpp"

using namespace elbo::report;

TEST(ReportTicks, NiceNumbers) {
  EXPECT_DOUBLE_EQ(nice_number(0.408, false), 0.5);
  EXPECT_DOUBLE_EQ(nice_number(25, true), 20);
  EXPECT_DOUBLE_EQ(nice_number(0.125, true), 0.1);
  EXPECT_DOUBLE_EQ(nice_number(7.5, true), 10);
  EXPECT_DOUBLE_EQ(nice_number(150, false), 200);
  EXPECT_DOUBLE_EQ(nice_number(0, true), 0);
}

TEST(ReportTicks, UnitIntervalInFifths) {
  const auto t = nice_ticks(0, 1, 5);
  ASSERT_EQ(t.size(), 6u);
  for (size_t i = 0; i < t.size(); ++i) EXPECT_NEAR(t[i], 0.2 * i, 1e-12);
}

TEST(ReportTicks, TicksLieInsideTheRangeAtMultiplesOfTheStep) {
  const auto t = nice_ticks(0.013, 0.421, 5);  // step 0.1
  ASSERT_EQ(t.size(), 4u);
  EXPECT_NEAR(t.front(), 0.1, 1e-12);
  EXPECT_NEAR(t.back(), 0.4, 1e-12);
  EXPECT_DOUBLE_EQ(nice_step(0.013, 0.421, 5), 0.1);
  const auto u = nice_ticks(-3.7, 12.2, 5);  // range 15.9 -> 20, step 5
  EXPECT_EQ(u, (std::vector<double>{0, 5, 10}));
  const auto w = nice_ticks(0, 100, 5);  // step 20
  EXPECT_EQ(w, (std::vector<double>{0, 20, 40, 60, 80, 100}));
}

TEST(ReportTicks, AtLeastThreeTicksInside) {
  // 2.9 / 3 -> step 1 (Heckbert's rounded-up range, 5, would give step 2: only "0")
  EXPECT_EQ(nice_ticks(-1.3, 1.6, 4), (std::vector<double>{-1, 0, 1}));
  // 2 / 2 -> step 1 leaves 1 and 2 only; the next smaller nice step, 0.5, gives four
  EXPECT_EQ(nice_ticks(0.1, 2.1, 3), (std::vector<double>{0.5, 1, 1.5, 2}));
  for (double lo : {-7.3, -0.02, 0.0, 3.3, 1e4}) {
    for (double width : {0.011, 0.9, 2.9, 17.0, 333.0}) {
      EXPECT_GE(nice_ticks(lo, lo + width, 5).size(), 3u) << lo << " " << width;
      EXPECT_LE(nice_ticks(lo, lo + width, 5).size(), 11u) << lo << " " << width;
    }
  }
}

TEST(ReportTicks, NegativeRangesAndNoMinusZero) {
  const auto t = nice_ticks(-1e-3, -1e-3 + 4e-3, 5);
  for (double v : t) EXPECT_FALSE(v == 0 && std::signbit(v)) << "a -0 tick";
  const auto u = nice_ticks(-250, -50, 5);
  EXPECT_EQ(u, (std::vector<double>{-250, -200, -150, -100, -50}));
}

TEST(ReportTicks, DegenerateRanges) {
  EXPECT_EQ(nice_ticks(3, 3), (std::vector<double>{3}));
  EXPECT_TRUE(nice_ticks(0, std::numeric_limits<double>::infinity()).empty());
  EXPECT_TRUE(nice_ticks(std::nan(""), 1).empty());
  EXPECT_EQ(nice_ticks(1, 0, 5).size(), 6u);  // reversed bounds are swapped
}

TEST(ReportTicks, LabelsHaveTheStepsDecimals) {
  EXPECT_EQ(format_tick(0.30000000000000004, 0.1), "0.3");
  EXPECT_EQ(format_tick(0.25, 0.05), "0.25");
  EXPECT_EQ(format_tick(1500, 500), "1500");
  EXPECT_EQ(format_tick(-3, 1), "-3");
  EXPECT_EQ(format_tick(0, 0.1), "0");
  EXPECT_EQ(format_tick(2e-5, 1e-5), "0.00002");
  EXPECT_EQ(format_tick(2e-6, 1e-6), "2e-6");  // "0.000002" is too long
  EXPECT_EQ(format_tick(1.5e6, 5e5), "1500000");
  EXPECT_EQ(format_tick(-0.04, 0.1), "0");  // rounds to zero: never "-0.0"
}

TEST(ReportTicks, OneNotationPerAxis) {
  // an ELBO axis of a large corpus: fixed labels of 8 characters -> exponents with the step's digits
  EXPECT_EQ(format_ticks({-3.3e6, -3.25e6, -3.2e6}, 5e4), (std::vector<std::string>{"-3.3e6", "-3.25e6", "-3.2e6"}));
  EXPECT_EQ(format_ticks({-3216074, -3216072, -3216070}, 2),
            (std::vector<std::string>{"-3216074", "-3216072", "-3216070"}));  // exponents would be longer
  EXPECT_EQ(format_ticks({0, 5e6, 1e7, 1.5e7}, 5e6), (std::vector<std::string>{"0", "5e6", "1e7", "1.5e7"}));
  EXPECT_EQ(format_ticks({-50000, 0, 50000}, 50000), (std::vector<std::string>{"-50000", "0", "50000"}));
  EXPECT_EQ(format_tick_exponent(-3.215e6, 1e3), "-3.215e6");
}
