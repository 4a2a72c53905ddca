//! Regularity tests of the US–Canada and US–China scenarios.
