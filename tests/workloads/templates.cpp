// SPDX-License-Identifier: MIT
/* Test workload: C++ templates, a class method and lambdas in a namespace, for demangled names. */
#include <chrono>
#include <cstdlib>
#include <functional>

/*
 * Per round: Accumulator<double>::add_many 4 units, scale<3> 2 units, the lambda in
 * run_lambdas 2 units, (anonymous namespace)::helper 2 units → 40/20/20/20 (each round
 * scaled by 1 to 4).
 * Usage: templates [SECONDS]
 */
namespace scorch_demo {

static volatile unsigned long sink;
constexpr long UNIT = 20000;

template <typename T> struct Accumulator {
	T total{};
	__attribute__((noinline)) void add_many(int units)
	{
		unsigned long x = sink;
		for (long i = 0; i < units * UNIT; i++)
			x = x * 6364136223846793005ul + 1442695040888963407ul;
		sink = x;
		total += static_cast<T>(x & 1);
	}
};

template <int N> __attribute__((noinline)) unsigned long scale(int units)
{
	unsigned long x = sink;
	for (long i = 0; i < units * UNIT; i++)
		x = x * 6364136223846793005ul + N;
	sink = x;
	return x;
}

__attribute__((noinline)) void run_lambdas(int units)
{
	auto burn = [](int u) __attribute__((noinline))
	{
		unsigned long x = sink;
		for (long i = 0; i < u * UNIT; i++)
			x = x * 6364136223846793005ul + 7;
		sink = x;
	};
	std::function<void(int)> f = burn;
	f(units);
}

namespace {
__attribute__((noinline)) void helper(int units)
{
	unsigned long x = sink;
	for (long i = 0; i < units * UNIT; i++)
		x = x * 6364136223846793005ul + 11;
	sink = x;
}
} // namespace

} // namespace scorch_demo

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? std::atof(argv[1]) : 2;
	auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
	scorch_demo::Accumulator<double> acc;
	unsigned r = 1;
	while (std::chrono::steady_clock::now() < end) {
		/* rounds of 1 to 4 times the units, in a pseudo-random order: a round of fixed
		 * length can fall into step with the sampling timer, and each sample then lands at
		 * the same few points of a round (shares off by 15 points in a VM) */
		r = r * 1103515245u + 12345u;
		int k = 1 + (int)((r >> 16) % 4);
		acc.add_many(4 * k);
		scorch_demo::scale<3>(2 * k);
		scorch_demo::run_lambdas(2 * k);
		scorch_demo::helper(2 * k);
	}
	return acc.total < 0;
}
