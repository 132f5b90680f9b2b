//! The table: the planned rows ([`crate::rows::plan`]), their values as the
//! sections measure them, and the text.

use crate::rows::{RowId, Section};
use std::collections::HashMap;
use std::fmt::Write as _;

/// A row's value, or why it could not be measured.
pub type Value = Result<f64, String>;

pub struct Table {
    sections: Vec<Section>,
    values: HashMap<RowId, Value>,
}

/// One row as printed.
pub struct Row<'a> {
    pub label: String,
    pub value: &'a Value,
    pub unit: &'static str,
    /// The value of the first row of its group, which the ratio is taken against.
    pub base: Option<f64>,
    pub counts: &'a str,
}

impl Table {
    /// The table of the planned rows, none measured yet: a row that no
    /// section fills in (a bug of the benchmark) shows as an error.
    pub fn new(sections: Vec<Section>) -> Table {
        let values = sections
            .iter()
            .flat_map(|s| s.rows())
            .map(|id| (id, Err("not measured".to_string())))
            .collect();
        Table { sections, values }
    }

    fn unit(&self, id: RowId) -> Option<&'static str> {
        self.sections
            .iter()
            .find(|s| s.rows().any(|r| r == id))
            .map(|s| s.unit)
    }

    /// Fills in a row of the plan.
    pub fn set(&mut self, id: RowId, value: Value) {
        let unit = self
            .unit(id)
            .unwrap_or_else(|| panic!("{id:?} is not a row of this run"));
        eprintln!(
            "nsfd_bench: {}: {}",
            id.label(),
            match &value {
                Ok(v) => format!("{v:.1} {unit}"),
                Err(e) => format!("error: {e}"),
            }
        );
        self.values.insert(id, value);
    }

    /// A row's value, if it was measured.
    pub fn value(&self, id: RowId) -> Option<f64> {
        self.values.get(&id)?.as_ref().ok().copied()
    }

    /// The sections' titles and rows, in table order.
    pub fn sections(&self) -> impl Iterator<Item = (&'static str, Vec<Row<'_>>)> + '_ {
        self.sections.iter().map(move |s| {
            let rows = s
                .groups
                .iter()
                .flat_map(|g| {
                    let base = g.rows.first().and_then(|&b| self.value(b));
                    g.rows.iter().map(move |&id| Row {
                        label: id.label(),
                        value: &self.values[&id],
                        unit: s.unit,
                        base,
                        counts: &g.counts,
                    })
                })
                .collect();
            (s.title, rows)
        })
    }

    /// Every row, in table order.
    pub fn rows(&self) -> Vec<Row<'_>> {
        self.sections().flat_map(|(_, rows)| rows).collect()
    }

    /// The table as text: each section's title, then its rows with their
    /// ratios to the first row of their group.
    pub fn render(&self) -> String {
        let w = self.rows().iter().map(|r| r.label.len()).max().unwrap_or(0);
        let mut s = String::new();
        for (title, rows) in self.sections() {
            if rows.is_empty() {
                continue;
            }
            let _ = writeln!(s, "\n{title}");
            for r in rows {
                let (val, ratio) = match (r.value, r.base) {
                    (Ok(v), Some(b)) if b != 0.0 => (
                        format!("{v:>12.1} {:<6}", r.unit),
                        format!("{:>7.2}x", v / b),
                    ),
                    (Ok(v), _) => (format!("{v:>12.1} {:<6}", r.unit), "      -".to_string()),
                    (Err(e), _) => (format!("{:>19}", "error"), format!("  ({e})")),
                };
                let _ = writeln!(s, "  {:<w$}  {val}  {ratio}   {}", r.label, r.counts);
            }
        }
        s
    }
}
