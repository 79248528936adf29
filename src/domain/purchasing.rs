//! Purchasing: the states of a purchase order, how a shipment names the lots of each line, and
//! what a received order is worth. Plain rules, no database.

use std::collections::{BTreeMap, BTreeSet};

use super::Fen;
use super::spending::TransitionError;

labelled_names! {
    /// A purchase order (订单): placed by a union, accepted or declined by the seller, shipped
    /// with its lots named, received by the union, closed. Cancelled by the union before it is
    /// shipped; stopped when a lot it holds is recalled on the way.
    OrderStatus {
        Placed => ("placed", "待接单"),
        Accepted => ("accepted", "已接单"),
        Declined => ("declined", "已拒单"),
        Shipped => ("shipped", "已发货"),
        Received => ("received", "已收货"),
        Closed => ("closed", "已完成"),
        Cancelled => ("cancelled", "已取消"),
        Stopped => ("stopped", "已叫停（批次召回）"),
    }
}

impl OrderStatus {
    /// Still on its way: what it commits stays committed.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            OrderStatus::Placed | OrderStatus::Accepted | OrderStatus::Shipped | OrderStatus::Stopped
        )
    }

    /// No money will be spent on it any more (received ones became purchase records).
    pub fn releases_commitment(self) -> bool {
        !self.is_open()
    }

    fn refuse(self, what: &str) -> TransitionError {
        TransitionError(format!("订单{}，不能{what}。", self.label()))
    }

    pub fn accept(self) -> Result<OrderStatus, TransitionError> {
        match self {
            OrderStatus::Placed => Ok(OrderStatus::Accepted),
            other => Err(other.refuse("再接单")),
        }
    }

    pub fn decline(self) -> Result<OrderStatus, TransitionError> {
        match self {
            OrderStatus::Placed | OrderStatus::Accepted => Ok(OrderStatus::Declined),
            other => Err(other.refuse("拒单")),
        }
    }

    pub fn ship(self) -> Result<OrderStatus, TransitionError> {
        match self {
            OrderStatus::Accepted => Ok(OrderStatus::Shipped),
            OrderStatus::Placed => Err(TransitionError("请先接单，再发货。".into())),
            other => Err(other.refuse("发货")),
        }
    }

    pub fn receive(self) -> Result<OrderStatus, TransitionError> {
        match self {
            OrderStatus::Shipped => Ok(OrderStatus::Received),
            OrderStatus::Stopped => Err(TransitionError(
                "订单中有被召回的批次，已叫停，请勿收货；请联系销售商退换。".into(),
            )),
            other => Err(other.refuse("确认收货")),
        }
    }

    pub fn close(self) -> Result<OrderStatus, TransitionError> {
        match self {
            OrderStatus::Received => Ok(OrderStatus::Closed),
            other => Err(other.refuse("完成")),
        }
    }

    /// A union may cancel until the goods leave, and a stopped order (its lot recalled).
    pub fn cancel(self) -> Result<OrderStatus, TransitionError> {
        match self {
            OrderStatus::Placed | OrderStatus::Accepted | OrderStatus::Stopped => Ok(OrderStatus::Cancelled),
            OrderStatus::Shipped => Err(TransitionError(
                "订单已发货，不能再取消；收货时可按实收数量确认。".into(),
            )),
            other => Err(other.refuse("取消")),
        }
    }

    /// A recall stops an order that holds the lot and has not arrived.
    pub fn stop(self) -> Option<OrderStatus> {
        (self == OrderStatus::Shipped).then_some(OrderStatus::Stopped)
    }
}

/// One line of an order as the shipment sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineToShip {
    pub line_id: i32,
    pub product_name: String,
    pub quantity: u32,
}

/// What a lot the seller names is, as the traceability record knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LotState {
    Shippable { batch_id: i32 },
    Missing,
    Recalled,
    Removed,
}

/// A part of a line shipped from one lot, as the seller gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LotPart {
    pub line_id: i32,
    pub lot: String,
    pub quantity: u32,
}

/// The shipment, checked: (line, batch, quantity).
pub type Allocation = Vec<(i32, i32, u32)>;

/// Checks a shipment: every line shipped in full, from lots of its own product that exist and
/// are not recalled, a lot named once per line. `lot_state(line, lot)` looks a lot up for the
/// line's product. Every problem is reported, each naming its line.
pub fn allocate(
    lines: &[LineToShip],
    parts: &[LotPart],
    mut lot_state: impl FnMut(i32, &str) -> LotState,
) -> Result<Allocation, Vec<String>> {
    let mut problems = Vec::new();
    let mut allocation = Vec::new();
    let mut per_line: BTreeMap<i32, u64> = BTreeMap::new();
    let mut named = BTreeSet::new();
    for part in parts {
        let Some(line) = lines.iter().find(|l| l.line_id == part.line_id) else {
            problems.push(format!("订单中没有第 {} 行。", part.line_id));
            continue;
        };
        if part.quantity == 0 {
            continue;
        }
        if !named.insert((part.line_id, part.lot.as_str())) {
            problems.push(format!(
                "“{}”的批次 {} 填了两次，请合并数量。",
                line.product_name, part.lot
            ));
            continue;
        }
        match lot_state(line.line_id, &part.lot) {
            LotState::Shippable { batch_id } => {
                allocation.push((line.line_id, batch_id, part.quantity));
                *per_line.entry(line.line_id).or_default() += u64::from(part.quantity);
            }
            LotState::Missing => problems.push(format!(
                "“{}”没有批次 {}：发货批次须是该产品追溯记录中的批次。",
                line.product_name, part.lot
            )),
            LotState::Recalled => problems.push(format!(
                "“{}”的批次 {} 已被召回，不能发货。",
                line.product_name, part.lot
            )),
            LotState::Removed => problems.push(format!(
                "“{}”的批次 {} 已从追溯记录中删除，不能发货。",
                line.product_name, part.lot
            )),
        }
    }
    for line in lines {
        let shipped = per_line.get(&line.line_id).copied().unwrap_or(0);
        if shipped != u64::from(line.quantity) && !problems.iter().any(|p| p.contains(&line.product_name)) {
            problems.push(format!(
                "“{}”订购 {} 件，各批次合计 {shipped} 件：请按订购数量发货，每个批次填写数量。",
                line.product_name, line.quantity
            ));
        }
    }
    if problems.is_empty() {
        Ok(allocation)
    } else {
        Err(problems)
    }
}

/// What a received order cost: each line's received quantity at its price.
pub fn received_amount(lines: &[(Fen, u32)]) -> Fen {
    Fen(lines.iter().map(|(price, qty)| price.0 * i64::from(*qty)).sum())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn tea() -> LineToShip {
        LineToShip {
            line_id: 1,
            product_name: "紫阳毛尖".into(),
            quantity: 100,
        }
    }

    fn part(lot: &str, quantity: u32) -> LotPart {
        LotPart {
            line_id: 1,
            lot: lot.into(),
            quantity,
        }
    }

    fn lots(_line: i32, lot: &str) -> LotState {
        match lot {
            "A" => LotState::Shippable { batch_id: 10 },
            "B" => LotState::Shippable { batch_id: 11 },
            "R" => LotState::Recalled,
            "D" => LotState::Removed,
            _ => LotState::Missing,
        }
    }

    #[test]
    fn a_line_may_be_split_over_two_lots() {
        let got = allocate(&[tea()], &[part("A", 60), part("B", 40)], lots).unwrap();
        assert_eq!(got, vec![(1, 10, 60), (1, 11, 40)]);
    }

    #[rstest]
    #[case::missing("X", "没有批次 X")]
    #[case::recalled("R", "已被召回")]
    #[case::removed("D", "已从追溯记录中删除")]
    fn a_lot_that_cannot_ship_is_named(#[case] lot: &str, #[case] says: &str) {
        let problems = allocate(&[tea()], &[part(lot, 100)], lots).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains(says), "{problems:?}");
    }

    #[test]
    fn short_and_over_shipments_are_refused() {
        let short = allocate(&[tea()], &[part("A", 60)], lots).unwrap_err();
        assert!(short[0].contains("合计 60 件"), "{short:?}");
        let over = allocate(&[tea()], &[part("A", 60), part("B", 41)], lots).unwrap_err();
        assert!(over[0].contains("合计 101 件"), "{over:?}");
        let none = allocate(&[tea()], &[], lots).unwrap_err();
        assert!(none[0].contains("合计 0 件"), "{none:?}");
    }

    #[test]
    fn a_lot_named_twice_on_a_line_is_refused() {
        let problems = allocate(&[tea()], &[part("A", 50), part("A", 50)], lots).unwrap_err();
        assert!(problems[0].contains("填了两次"), "{problems:?}");
    }

    #[test]
    fn a_part_for_a_line_not_in_the_order_is_refused() {
        let stray = LotPart {
            line_id: 9,
            lot: "A".into(),
            quantity: 1,
        };
        let problems = allocate(&[tea()], &[part("A", 100), stray], lots).unwrap_err();
        assert!(problems[0].contains("第 9 行"), "{problems:?}");
    }

    #[test]
    fn orders_move_only_along_their_path() {
        use OrderStatus::*;
        assert_eq!(Placed.accept(), Ok(Accepted));
        assert_eq!(Accepted.ship(), Ok(Shipped));
        assert_eq!(Shipped.receive(), Ok(Received));
        assert_eq!(Received.close(), Ok(Closed));
        assert!(Placed.ship().is_err());
        assert!(Shipped.cancel().is_err());
        assert!(Shipped.decline().is_err());
        assert!(Stopped.receive().is_err());
        assert_eq!(Stopped.cancel(), Ok(Cancelled));
        assert_eq!(Shipped.stop(), Some(Stopped));
        assert_eq!(Received.stop(), None);
        for s in OrderStatus::ALL {
            assert_eq!(s.is_open(), !s.releases_commitment());
        }
        assert!(Stopped.is_open() && !Declined.is_open() && !Received.is_open());
    }

    #[test]
    fn a_received_order_costs_what_arrived() {
        assert_eq!(received_amount(&[(Fen(6_800), 10), (Fen(1_250), 3)]), Fen(71_750));
    }
}
