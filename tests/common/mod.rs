//! Helpers shared by the tool tests.

pub mod verify;
