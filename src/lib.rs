//! fupin-catalog: the Shaanxi trade unions' catalogue of poverty-alleviation products
//! (全省工会消费扶贫产品推荐目录).

pub mod auth;
pub mod backup;
pub mod charts;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod indexer;
pub mod media;
pub mod metrics;
pub mod open_data;
pub mod qr;
pub mod search;
pub mod sheet;
pub mod startup;
pub mod telemetry;
pub mod web;
