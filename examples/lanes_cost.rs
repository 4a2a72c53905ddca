//! Instruction counts of the lane arithmetic (issue 17), for callgrind:
//!
//! cargo build --release --example lanes_cost
//! valgrind --tool=callgrind --toggle-collect='*::measured_*' \
//!     target/release/examples/lanes_cost KERNEL N
//!
//! KERNEL is `exp` (the scalar model exponential), `lanes` (`exp_lanes`,
//! inlined: SSE2), `lanes-once` (the fastest path in a loop dispatched
//! once: AVX2 where the CPU has it), `lanes-sse2` (the SSE2 path by name),
//! `probe` or `batched` (the scalar and batched floor probes of `bilateral
//! bench`). N counts values (agent-weeks for the probes); the collected
//! instructions divided by N are the cost per value, loop and loads
//! included. The inputs are the logit's range [-37, 0].
//! x86-64 only (it names the SSE2 and AVX2 paths).

#[cfg(target_arch = "x86_64")]
fn main() {
    x86::main();
}

#[cfg(not(target_arch = "x86_64"))]
fn main() {
    eprintln!("lanes_cost measures the x86-64 paths");
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::hint::black_box;

    use bilateral::commands::bench::{batched_floor_probe_ns, floor_probe_ns};
    use bilateral::model::exp::exp;
    use bilateral::model::lanes::{
        LANES, LanePath, Lanes, exp_lanes, exp_lanes_avx2, exp_lanes_sse2,
    };

    const BLOCK: usize = 4096;

    #[inline(never)]
    fn measured_exp(xs: &[f64], rounds: usize) -> f64 {
        let mut acc = 0.0;
        for _ in 0..rounds {
            for &x in xs {
                acc += exp(x);
            }
        }
        acc
    }

    #[inline(never)]
    fn measured_lanes(xs: &[f64], rounds: usize) -> f64 {
        let mut acc = [0.0; LANES];
        for _ in 0..rounds {
            for c in xs.chunks_exact(LANES) {
                let y = exp_lanes(c.try_into().unwrap());
                for l in 0..LANES {
                    acc[l] += y[l];
                }
            }
        }
        acc.iter().sum()
    }

    #[inline(always)]
    fn lanes_loop(xs: &[f64], rounds: usize, exp4: impl Fn(Lanes) -> Lanes) -> f64 {
        let mut acc: Lanes = [0.0; LANES];
        for _ in 0..rounds {
            for c in xs.chunks_exact(LANES) {
                let y = exp4(c.try_into().unwrap());
                for l in 0..LANES {
                    acc[l] += y[l];
                }
            }
        }
        acc.iter().sum()
    }

    #[target_feature(enable = "avx2")]
    fn lanes_loop_avx2(xs: &[f64], rounds: usize) -> f64 {
        lanes_loop(xs, rounds, |x| exp_lanes_avx2(x))
    }

    #[inline(never)]
    fn measured_lanes_once(xs: &[f64], rounds: usize) -> f64 {
        match LanePath::detect() {
            // SAFETY: detect found AVX2.
            LanePath::Avx2 => unsafe { lanes_loop_avx2(xs, rounds) },
            _ => lanes_loop(xs, rounds, exp_lanes_sse2),
        }
    }

    #[inline(never)]
    fn measured_lanes_sse2(xs: &[f64], rounds: usize) -> f64 {
        lanes_loop(xs, rounds, exp_lanes_sse2)
    }

    #[inline(never)]
    fn measured_probe(n: u64) -> f64 {
        floor_probe_ns(n)
    }

    #[inline(never)]
    fn measured_batched(n: u64) -> f64 {
        batched_floor_probe_ns(n).0
    }

    pub fn main() {
        let args: Vec<String> = std::env::args().collect();
        let (Some(kernel), Some(n)) =
            (args.get(1), args.get(2).and_then(|n| n.parse::<u64>().ok()))
        else {
            eprintln!("usage: lanes_cost exp|lanes|lanes-once|lanes-sse2|probe|batched N");
            std::process::exit(2);
        };
        let xs: Vec<f64> = (0..BLOCK)
            .map(|j| -37.0 * (j as f64 * 0.754_877_666_246_692_7).fract())
            .collect();
        let rounds = (n as usize).div_ceil(BLOCK);
        let out = match kernel.as_str() {
            "exp" => measured_exp(black_box(&xs), rounds),
            "lanes" => measured_lanes(black_box(&xs), rounds),
            "lanes-once" => measured_lanes_once(black_box(&xs), rounds),
            "lanes-sse2" => measured_lanes_sse2(black_box(&xs), rounds),
            "probe" => measured_probe(n),
            "batched" => measured_batched(n),
            _ => {
                eprintln!("unknown kernel {kernel}");
                std::process::exit(2);
            }
        };
        println!("{kernel} {n} ({}): {out}", LanePath::detect().name());
    }
}
