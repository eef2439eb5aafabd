//! Training and classification speed: `cargo bench -p otai-classify --bench classify`.
//!
//! Trains on 10 000 generated tickets (the generator of `examples/classify/tickets.jsonl`) five
//! times, and classifies 10 000 other tickets five times with the trained model; prints the median
//! and the range of each.

#[path = "../examples/tickets/generator.rs"]
mod generator;

use std::hint::black_box;
use std::time::{Duration, Instant};

use otai_classify::{Example, Model, TrainSettings, TrainingMetadata};

const RUNS: usize = 5;
const N: usize = 10_000;

fn examples(n: usize, seed: u64) -> Vec<Example> {
    generator::generate(n, seed)
        .into_iter()
        .map(|t| {
            let text = |k: &str| t[k].as_str().unwrap_or_default().to_owned();
            Example::new(&text("subject"), &text("body"), text("queue"))
        })
        .collect()
}

/// (median, min, max).
fn spread(mut times: Vec<Duration>) -> (Duration, Duration, Duration) {
    times.sort();
    (times[times.len() / 2], times[0], times[times.len() - 1])
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let train = examples(N, 1);
    let refs: Vec<&Example> = train.iter().collect();
    let settings = TrainSettings::default();
    let mut times = Vec::new();
    let mut model = None;
    for _ in 0..RUNS {
        let started = Instant::now();
        let trained = Model::train(
            &refs,
            &settings,
            TrainingMetadata::new("queue", "bench"),
            &mut |_, _| {},
        )?;
        times.push(started.elapsed());
        model = Some(trained);
    }
    let (median, min, max) = spread(times);
    println!(
        "train {N} examples ({} epochs): median {:.2} s, min {:.2} s, max {:.2} s",
        settings.epochs,
        median.as_secs_f64(),
        min.as_secs_f64(),
        max.as_secs_f64()
    );
    let model = model.ok_or("no model")?;
    let test = examples(N, 2);
    let mut times = Vec::new();
    let mut correct = 0;
    for _ in 0..RUNS {
        correct = 0;
        let started = Instant::now();
        for e in &test {
            let top = black_box(model.predict(black_box(&e.text), 3));
            if top.first().is_some_and(|s| s.label == e.label) {
                correct += 1;
            }
        }
        times.push(started.elapsed() / N as u32);
    }
    let (median, min, max) = spread(times);
    let mean_chars = test.iter().map(|e| e.text.chars().count()).sum::<usize>() / N;
    println!(
        "classify one ticket (mean {mean_chars} characters, top 3): median {:.1} µs, min {:.1} µs, max {:.1} µs",
        median.as_secs_f64() * 1e6,
        min.as_secs_f64() * 1e6,
        max.as_secs_f64() * 1e6
    );
    println!(
        "accuracy on the {N} other tickets: {:.3}",
        correct as f64 / N as f64
    );
    Ok(())
}
