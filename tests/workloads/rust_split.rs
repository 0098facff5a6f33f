// SPDX-License-Identifier: MIT
// CPU split by construction: hot 60%, warm 30%, cool 10% of the work, in generic and trait code.
use std::hint::black_box;

trait Work {
    fn run(&self, n: u64) -> u64;
}

struct Mixer<T> {
    seed: T,
}

impl Work for Mixer<u64> {
    #[inline(never)]
    fn run(&self, n: u64) -> u64 {
        let mut x = self.seed;
        for i in 0..n {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(i);
        }
        x
    }
}

#[inline(never)]
fn hot_function(n: u64) -> u64 {
    Mixer { seed: 1u64 }.run(black_box(n * 6))
}

#[inline(never)]
fn warm_function(n: u64) -> u64 {
    Mixer { seed: 2u64 }.run(black_box(n * 3))
}

#[inline(never)]
fn cool_function(n: u64) -> u64 {
    Mixer { seed: 3u64 }.run(black_box(n))
}

fn main() {
    let secs: f64 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(2.0);
    let start = std::time::Instant::now();
    let mut acc = 0u64;
    while start.elapsed().as_secs_f64() < secs {
        acc ^= hot_function(200_000);
        acc ^= warm_function(200_000);
        acc ^= cool_function(200_000);
    }
    println!("{}", acc & 1);
}
