//! Traceability QR codes printed on product and lot labels.
//!
//! [`product_url`] builds the address a code carries: the catalogue's short link, or a GS1 Digital
//! Link when the product has a GTIN, so that a GS1-aware scanner (a retailer's till, a logistics
//! app) can read the trade item number from the same code a consumer scans.
//! [`parse_digital_link`] reads such an address back for the web layer.
//! [`png()`] and [`svg()`] draw the code: PNG at print resolution for labels, SVG for any size.

pub mod linkset;
mod render;
mod url;

pub use render::{png, png_with_size, svg};
pub use url::{parse_digital_link, product_url};

use crate::domain::CodeError;

/// Why a QR code or a scanned link was refused; the message is shown to users.
#[derive(Debug, thiserror::Error)]
pub enum QrError {
    /// A Digital Link path carried something other than 14 digits where the GTIN belongs.
    #[error("链接中的商品条码“{0}”无效：GS1 数字链接中的商品条码应为 14 位数字")]
    DigitalLinkGtin(String),
    /// The GTIN has a wrong check digit, or the lot is not a valid lot code.
    #[error(transparent)]
    Code(#[from] CodeError),
    /// The lot segment's percent-encoding does not decode to text.
    #[error("链接中的批次号“{0}”无法识别：编码不是有效的 UTF-8 文本")]
    LotEncoding(String),
    /// The text does not fit in a QR code at the chosen error-correction level.
    #[error("二维码内容过长（{length} 个字节），无法生成二维码，请缩短网址")]
    TooLong { length: usize },
    /// The PNG encoder failed; writing to memory should not fail, so this is a program fault.
    #[error("二维码图片生成失败：{0}")]
    Png(String),
}
