//! Data-driven runs of public conformance suites.
