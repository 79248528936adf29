//! Charts drawn on the server as SVG with plotters: horizontal bars (amounts, or progress against
//! a plan, past 100 % too) and a running total against a target. The SVG backend writes text as
//! `<text>` (escaped), so the browser draws the Chinese labels with its own fonts; every chart is
//! shown with its table beside it.

use plotters::coord::Shift;
use plotters::prelude::*;

/// The colour of the bars and lines that carry the figures; tests find the bars by it.
pub const FIGURE_COLOUR: RGBColor = RGBColor(0xc8, 0x16, 0x1d);
const PLAN_COLOUR: RGBColor = RGBColor(0x1f, 0x6f, 0xb2);
const GRID_COLOUR: RGBColor = RGBColor(0xdd, 0xdd, 0xdd);
const FONT: &str = "sans-serif";

const WIDTH: u32 = 720;
const ROW_HEIGHT: u32 = 30;

type Result<T> = std::result::Result<T, String>;

fn drawing_error<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> String {
    format!("作图失败：{e}")
}

fn draw(width: u32, height: u32, paint: impl FnOnce(&DrawingArea<SVGBackend, Shift>) -> Result<()>) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(drawing_error)?;
        paint(&root)?;
        root.present().map_err(drawing_error)?;
    }
    Ok(svg)
}

/// One horizontal bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: f64,
}

/// Horizontal bars, one per row in the order given, with the value axis in `unit`.
/// `reference` draws a vertical line at that value (100 for progress against a plan).
pub fn bars(rows: &[Bar], unit: &str, reference: Option<f64>) -> Result<String> {
    let height = 70 + ROW_HEIGHT * rows.len().max(1) as u32;
    let top = rows
        .iter()
        .map(|r| r.value)
        .chain(reference)
        .fold(0.0_f64, f64::max)
        .max(1.0)
        * 1.1;
    let n = rows.len().max(1);
    draw(WIDTH, height, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(10)
            .x_label_area_size(36)
            .y_label_area_size(170)
            .build_cartesian_2d(0.0..top, (0..n).into_segmented())
            .map_err(drawing_error)?;
        let label_of = |v: &SegmentValue<usize>| match v {
            SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => n
                .checked_sub(i + 1)
                .and_then(|k| rows.get(k))
                .map(|r| short(&r.label, 11))
                .unwrap_or_default(),
            SegmentValue::Last => String::new(),
        };
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(GRID_COLOUR.mix(0.5))
            .bold_line_style(GRID_COLOUR)
            .y_labels(n)
            .y_label_formatter(&label_of)
            .x_desc(unit)
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 13))
            .draw()
            .map_err(drawing_error)?;
        chart
            .draw_series(rows.iter().enumerate().map(|(i, r)| {
                // The first row at the top: segments count from the bottom.
                let at = n - 1 - i;
                let mut bar = Rectangle::new(
                    [
                        (0.0, SegmentValue::Exact(at)),
                        (r.value.max(0.0), SegmentValue::Exact(at + 1)),
                    ],
                    FIGURE_COLOUR.filled(),
                );
                bar.set_margin(5, 5, 0, 0);
                bar
            }))
            .map_err(drawing_error)?;
        if let Some(at) = reference {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(at, SegmentValue::Exact(0)), (at, SegmentValue::Last)],
                    PLAN_COLOUR.stroke_width(2),
                )))
                .map_err(drawing_error)?;
        }
        Ok(())
    })
}

/// The running total of a year, month by month, against a flat target line. `values` are the
/// twelve months' running totals in `unit`.
pub fn running_total(year: i32, values: &[f64], target: f64, unit: &str) -> Result<String> {
    let top = values.iter().copied().fold(target, f64::max).max(1.0) * 1.1;
    draw(WIDTH, 320, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(70)
            .build_cartesian_2d(1u32..12u32, 0.0..top)
            .map_err(drawing_error)?;
        chart
            .configure_mesh()
            .light_line_style(GRID_COLOUR.mix(0.5))
            .bold_line_style(GRID_COLOUR)
            .x_labels(12)
            .x_label_formatter(&|m| format!("{m}月"))
            .x_desc(format!("{year} 年"))
            .y_desc(unit)
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 13))
            .draw()
            .map_err(drawing_error)?;
        chart
            .draw_series(LineSeries::new(
                vec![(1, target), (12, target)],
                PLAN_COLOUR.stroke_width(2),
            ))
            .map_err(drawing_error)?
            .label(format!("目标 {}", trim_number(target)))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], PLAN_COLOUR.stroke_width(2)));
        chart
            .draw_series(LineSeries::new(
                values.iter().enumerate().map(|(i, v)| (i as u32 + 1, *v)),
                FIGURE_COLOUR.stroke_width(3),
            ))
            .map_err(drawing_error)?
            .label("累计完成")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], FIGURE_COLOUR.stroke_width(3)));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.9))
            .border_style(GRID_COLOUR)
            .label_font((FONT, 13))
            .draw()
            .map_err(drawing_error)?;
        Ok(())
    })
}

/// A long name cut to `max` characters with an ellipsis, for an axis label; the table beside the
/// chart has it in full.
fn short(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_owned()
    } else {
        let cut: String = label.chars().take(max - 1).collect();
        format!("{cut}…")
    }
}

fn trim_number(v: f64) -> String {
    let text = format!("{v:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The widths of the figure-coloured rectangles, top to bottom.
    fn bar_widths(svg: &str) -> Vec<f64> {
        let doc = roxmltree::Document::parse(svg).expect("the chart is well-formed XML");
        let colour = format!("#{:02X}{:02X}{:02X}", FIGURE_COLOUR.0, FIGURE_COLOUR.1, FIGURE_COLOUR.2);
        let mut rects: Vec<(f64, f64)> = doc
            .descendants()
            .filter(|n| n.has_tag_name("rect"))
            .filter(|n| n.attribute("fill").is_some_and(|f| f.eq_ignore_ascii_case(&colour)))
            .map(|n| {
                let num = |a: &str| n.attribute(a).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
                (num("y"), num("width"))
            })
            .collect();
        rects.sort_by(|a, b| a.0.total_cmp(&b.0));
        rects.into_iter().map(|(_, w)| w).collect()
    }

    #[test]
    fn bars_are_as_long_as_their_values() {
        let rows = [
            Bar {
                label: "西安市".into(),
                value: 120.0,
            },
            Bar {
                label: "安康市".into(),
                value: 60.0,
            },
            Bar {
                label: "汉中市".into(),
                value: 30.0,
            },
        ];
        let svg = bars(&rows, "万元", None).unwrap();
        let widths = bar_widths(&svg);
        assert_eq!(widths.len(), 3);
        assert!((widths[0] / widths[1] - 2.0).abs() < 0.05, "{widths:?}");
        assert!((widths[0] / widths[2] - 4.0).abs() < 0.1, "{widths:?}");
        assert!(svg.contains("西安市"), "labels are text for the browser to draw");
        assert!(svg.contains("viewBox"));
    }

    #[test]
    fn labels_are_escaped() {
        let rows = [Bar {
            label: "<script>&".into(),
            value: 1.0,
        }];
        let svg = bars(&rows, "万元", Some(100.0)).unwrap();
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;&amp;"));
        roxmltree::Document::parse(&svg).unwrap();
    }

    #[test]
    fn a_running_total_draws_with_its_target() {
        let values: Vec<f64> = (1..=12).map(|m| f64::from(m) * 5.0).collect();
        let svg = running_total(2020, &values, 80.0, "亿元").unwrap();
        roxmltree::Document::parse(&svg).unwrap();
        assert!(svg.contains("目标 80") && svg.contains("累计完成"));
    }

    #[test]
    fn long_labels_are_shortened_for_the_axis() {
        assert_eq!(short("陕西省示例能源化学地质工会总工会", 8), "陕西省示例能源…");
        assert_eq!(short("西安市", 8), "西安市");
    }
}
