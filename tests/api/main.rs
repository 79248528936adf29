//! Integration tests: each starts the real application on a random port against a fresh database
//! (a temporary SQLite file, or a fresh PostgreSQL database when TEST_DATABASE_URL is set) and
//! speaks HTTP to it. All in one binary so the crate is linked once.

mod auth;
mod bundles;
mod cli;
mod corrections;
mod database;
mod demo;
mod export;
mod health;
mod helpers;
mod metrics;
mod nominations;
mod open_data;
mod operations;
mod pages;
mod public_record;
mod purchasing;
mod races;
mod reports;
mod routes;
mod search;
mod security;
mod stats;
mod trace;
mod upload;
