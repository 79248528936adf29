//! Photos for the demo's traceability records: plain landscapes drawn by code (sky, sun, hills,
//! terraces in the colours of the product's category), stored through the real media pipeline
//! (decoded, re-encoded, thumbnails, named by content) and attached to the production sites.

use std::path::Path;

use diesel::prelude::*;
use image::{ImageFormat, Rgb, RgbImage};

use super::DemoError;
use crate::db::events::Actor;
use crate::db::media::MediaFile;
use crate::db::schema::{production_sites, products, trace_media};
use crate::db::trace::{self, NewTraceMedia};
use crate::db::{DbConnection, now};
use crate::media::{self, MediaLimits};

const WIDTH: u32 = 800;
const HEIGHT: u32 = 600;

/// The colours of a picture: sky, hills, and the rows on them.
fn palette(category: &str) -> (Rgb<u8>, Rgb<u8>, Rgb<u8>) {
    match category {
        "茶叶" => (Rgb([172, 210, 236]), Rgb([46, 125, 50]), Rgb([129, 199, 132])),
        "水果" | "干果坚果" => (Rgb([187, 222, 251]), Rgb([85, 139, 47]), Rgb([239, 83, 80])),
        "粮油米面" => (Rgb([179, 229, 252]), Rgb([175, 180, 43]), Rgb([255, 213, 79])),
        "食用菌" => (Rgb([207, 216, 220]), Rgb([93, 64, 55]), Rgb([215, 204, 200])),
        "蜂产品" => (Rgb([255, 236, 179]), Rgb([104, 159, 56]), Rgb([255, 193, 7])),
        "肉禽蛋" => (Rgb([178, 235, 242]), Rgb([124, 179, 66]), Rgb([255, 255, 255])),
        _ => (Rgb([197, 225, 245]), Rgb([67, 160, 71]), Rgb([165, 214, 167])),
    }
}

/// A landscape: a sky fading to the horizon, a sun, two ridges of hills and rows across the
/// near one; `seed` shifts the hills so pictures differ.
pub fn landscape(category: &str, seed: u32) -> RgbImage {
    let (sky, hill, rows) = palette(category);
    let shift = (seed % 97) as f32 / 97.0 * std::f32::consts::TAU;
    let far = |x: f32| HEIGHT as f32 * 0.45 + 40.0 * (x / 130.0 + shift).sin();
    let near = |x: f32| HEIGHT as f32 * 0.62 + 55.0 * (x / 210.0 + shift * 1.7).cos();
    let (sun_x, sun_y, sun_r) = (WIDTH as f32 * (0.2 + 0.6 * (seed % 7) as f32 / 7.0), 110.0, 46.0);
    RgbImage::from_fn(WIDTH, HEIGHT, |x, y| {
        let (fx, fy) = (x as f32, y as f32);
        if fy > near(fx) {
            // Terraces: stripes that follow the ridge.
            let depth = fy - near(fx);
            if (depth as u32 / 14).is_multiple_of(2) {
                hill
            } else {
                rows
            }
        } else if fy > far(fx) {
            let Rgb([r, g, b]) = hill;
            Rgb([r / 2 + 60, g / 2 + 70, b / 2 + 60])
        } else if (fx - sun_x).powi(2) + (fy - sun_y).powi(2) < sun_r * sun_r {
            Rgb([255, 202, 40])
        } else {
            let t = fy / HEIGHT as f32;
            let Rgb([r, g, b]) = sky;
            let lift = |c: u8| (f32::from(c) + (255.0 - f32::from(c)) * t * 0.6) as u8;
            Rgb([lift(r), lift(g), lift(b)])
        }
    })
}

/// Attaches a picture to the production site of up to `max` products that have a site and no
/// photo yet. Returns how many were attached.
pub fn ensure(conn: &mut DbConnection, media_dir: &Path, max: i64) -> Result<usize, DemoError> {
    let with_photo: Vec<i32> = trace_media::table
        .filter(trace_media::kind.eq("photo"))
        .select(trace_media::product_id)
        .load(conn)?;
    let sites: Vec<(i32, i32, String, String)> = production_sites::table
        .inner_join(products::table.on(products::id.eq(production_sites::product_id)))
        .filter(production_sites::removed_at.is_null())
        .filter(production_sites::product_id.ne_all(&with_photo))
        .order(production_sites::id)
        .limit(max)
        .select((
            production_sites::id,
            products::id,
            products::category,
            production_sites::name,
        ))
        .load(conn)?;
    let actor = Actor {
        user_id: None,
        label: "演示数据".to_owned(),
    };
    let fail = |e: media::MediaError| DemoError::Generate(format!("演示照片：{e}"));
    let mut attached = 0;
    let mut seen = std::collections::HashSet::new();
    for (site, product, category, name) in sites {
        if !seen.insert(product) {
            continue;
        }
        let mut png = Vec::new();
        landscape(&category, product as u32)
            .write_to(&mut std::io::Cursor::new(&mut png), ImageFormat::Png)
            .map_err(|e| DemoError::Generate(format!("演示照片：{e}")))?;
        // The same path an upload takes: decoded, checked, re-encoded, thumbnails, stored by hash.
        let image = media::process_image(&png, &MediaLimits::default()).map_err(fail)?;
        let stored = media::store(media_dir, &image).map_err(fail)?;
        let files = media::image_files(&stored, &image);
        let files: Vec<MediaFile> = files.iter().map(|(name, bytes)| MediaFile { name, bytes }).collect();
        crate::db::media::save_all(conn, &files)?;
        // Stored paths are relative to the media directory, and are URLs too.
        let relative = |p: &Path| media::name_of(p);
        let thumb = image.thumbs.last().zip(stored.thumbs.last());
        trace::add_media(
            conn,
            &NewTraceMedia {
                product_id: product,
                owner_kind: "site".to_owned(),
                owner_id: site,
                kind: "photo".to_owned(),
                path: relative(&stored.original),
                thumb_path: thumb.map(|(_, p)| relative(p)),
                thumb_width: thumb.map(|(t, _)| t.width as i32),
                thumb_height: thumb.map(|(t, _)| t.height as i32),
                caption: format!("{name}（示意图，演示程序绘制）"),
                created_at: now(),
            },
            &actor,
        )?;
        attached += 1;
    }
    Ok(attached)
}
