//! Availability over a window: spans clipped to the window, summed per job and across
//! jobs, with down time split by blame and category and an error budget per blame.

use std::collections::BTreeMap;

use faultline_model::Blame;
use serde::Serialize;

use crate::event::Millis;
use crate::job::{Span, Totals};
use crate::ledger::Ledger;
use crate::rules::Account;
use crate::stage::StageTimes;

/// A time window, `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Window {
    /// Start, inclusive.
    pub from: Millis,
    /// End, exclusive.
    pub to: Millis,
}

impl Window {
    /// The part of `[from, to)` inside the window, in milliseconds.
    pub fn overlap(&self, from: Millis, to: Millis) -> Millis {
        (to.min(self.to) - from.max(self.from)).max(0)
    }
}

/// Availability objectives per blame: the error budget of a blame is
/// `(1 - objective) × eligible time`.
#[derive(Debug, Clone, PartialEq)]
pub struct Objectives(pub BTreeMap<Blame, f64>);

impl Default for Objectives {
    fn default() -> Self {
        Objectives(Blame::ALL.into_iter().map(|b| (b, 0.999)).collect())
    }
}

/// Sums spans inside a window.
#[derive(Debug, Clone, Default)]
struct Acc {
    totals: Totals,
    stages: StageTimes,
    categories: BTreeMap<(Blame, String), Millis>,
}

impl Acc {
    fn add(&mut self, span: &Span<'_>, ms: Millis) {
        self.totals.add(span.account, ms);
        self.stages.add(span.stage, ms);
        if let Account::Down(b) = span.account {
            *self
                .categories
                .entry((b, span.category.to_owned()))
                .or_insert(0) += ms;
        }
    }

    fn absorb(&mut self, other: &Acc) {
        for b in Blame::ALL {
            self.totals.down[b as usize] += other.totals.down[b as usize];
        }
        self.totals.up += other.totals.up;
        self.totals.planned += other.totals.planned;
        self.totals.startup += other.totals.startup;
        self.totals.unobserved += other.totals.unobserved;
        self.totals.ended += other.totals.ended;
        self.stages.absorb(&other.stages);
        for (k, v) in &other.categories {
            *self.categories.entry(k.clone()).or_insert(0) += v;
        }
    }
}

/// Collects spans (as a ledger's sink) for an SLA report.
#[derive(Debug, Clone)]
pub struct SlaCollector {
    window: Window,
    jobs: BTreeMap<String, Acc>,
}

impl SlaCollector {
    /// Collects spans inside `window`.
    pub fn new(window: Window) -> SlaCollector {
        SlaCollector {
            window,
            jobs: BTreeMap::new(),
        }
    }

    /// Takes one span.
    pub fn add(&mut self, span: &Span<'_>) {
        let ms = self.window.overlap(span.from, span.to);
        if ms == 0 {
            return;
        }
        match self.jobs.get_mut(span.job) {
            Some(acc) => acc.add(span, ms),
            None => self
                .jobs
                .entry(span.job.to_owned())
                .or_default()
                .add(span, ms),
        }
    }

    /// The report, with names and incident counts from `ledger`.
    pub fn report(&self, ledger: &Ledger, objectives: &Objectives) -> SlaReport {
        let mut fleet = Acc::default();
        let mut jobs = Vec::new();
        for (key, acc) in &self.jobs {
            fleet.absorb(acc);
            let job = ledger.job(key);
            let incidents = job.map_or(0, |j| {
                j.all_incidents()
                    .filter(|i| {
                        i.start < self.window.to && i.end.is_none_or(|e| e > self.window.from)
                    })
                    .count()
            });
            let mut sla = SlaFigures::of(acc, objectives);
            sla.incidents = incidents;
            jobs.push(JobSla {
                job: key.clone(),
                name: job.map(|j| j.name.clone()).unwrap_or_default(),
                stage: job.map(|j| j.stage.as_str()).unwrap_or("UNKNOWN"),
                sla,
            });
        }
        let mut all = SlaFigures::of(&fleet, objectives);
        all.incidents = jobs.iter().map(|j| j.sla.incidents).sum();
        SlaReport {
            window: self.window,
            fleet: all,
            jobs,
        }
    }
}

/// Seconds from milliseconds.
fn secs(ms: Millis) -> f64 {
    ms as f64 / 1000.0
}

/// The SLA figures of a job or of the fleet, in seconds.
#[derive(Debug, Clone, Serialize)]
pub struct SlaFigures {
    /// Up / (up + down); `null` when no eligible time.
    pub availability: Option<f64>,
    /// Seconds up.
    pub up: f64,
    /// Seconds down.
    pub down: f64,
    /// Seconds down by blame.
    pub down_by_blame: BTreeMap<&'static str, f64>,
    /// Seconds down by `blame/category`.
    pub down_by_category: BTreeMap<String, f64>,
    /// Seconds planned, startup, unobserved and after the end: outside the SLA.
    pub excluded: BTreeMap<&'static str, f64>,
    /// Seconds per stage.
    pub stages: StageTimes,
    /// Error budget per blame.
    pub budgets: BTreeMap<&'static str, Budget>,
    /// Incidents overlapping the window.
    pub incidents: usize,
}

/// One blame's error budget.
#[derive(Debug, Clone, Serialize)]
pub struct Budget {
    /// The availability objective, e.g. 0.999.
    pub objective: f64,
    /// Seconds of down time the objective allows.
    pub allowed: f64,
    /// Seconds used.
    pub used: f64,
    /// Share of the budget left (negative when overspent).
    pub remaining: f64,
}

impl SlaFigures {
    fn of(acc: &Acc, objectives: &Objectives) -> SlaFigures {
        let t = &acc.totals;
        let eligible = t.up + t.downtime();
        let budgets = objectives
            .0
            .iter()
            .map(|(b, o)| {
                let allowed = (1.0 - o) * eligible as f64;
                let used = t.down_of(*b) as f64;
                let remaining = if allowed > 0.0 {
                    1.0 - used / allowed
                } else if used > 0.0 {
                    -1.0
                } else {
                    1.0
                };
                (
                    b.as_str(),
                    Budget {
                        objective: *o,
                        allowed: allowed / 1000.0,
                        used: secs(t.down_of(*b)),
                        remaining,
                    },
                )
            })
            .collect();
        SlaFigures {
            availability: t.availability(),
            up: secs(t.up),
            down: secs(t.downtime()),
            down_by_blame: Blame::ALL
                .into_iter()
                .map(|b| (b.as_str(), secs(t.down_of(b))))
                .collect(),
            down_by_category: acc
                .categories
                .iter()
                .map(|((b, c), ms)| (format!("{b}/{c}"), secs(*ms)))
                .collect(),
            excluded: BTreeMap::from([
                ("planned", secs(t.planned)),
                ("startup", secs(t.startup)),
                ("unobserved", secs(t.unobserved)),
                ("ended", secs(t.ended)),
            ]),
            stages: acc.stages,
            budgets,
            incidents: 0,
        }
    }
}

/// One job's SLA.
#[derive(Debug, Clone, Serialize)]
pub struct JobSla {
    /// The job's key.
    pub job: String,
    /// Its name.
    pub name: String,
    /// Its current stage.
    pub stage: &'static str,
    /// Its figures.
    #[serde(flatten)]
    pub sla: SlaFigures,
}

/// Availability over a window, per job and across all jobs.
#[derive(Debug, Clone, Serialize)]
pub struct SlaReport {
    /// The window.
    pub window: Window,
    /// Across all jobs.
    pub fleet: SlaFigures,
    /// Per job, by key.
    pub jobs: Vec<JobSla>,
}

impl SlaReport {
    /// A table for people.
    pub fn to_table(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let pct = |a: Option<f64>| a.map_or("-".to_owned(), |a| format!("{:.3}%", a * 100.0));
        let h = |s: f64| crate::stage::human((s * 1000.0) as Millis);
        let _ = writeln!(
            out,
            "{:<34} {:<24} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>5}",
            "JOB",
            "NAME",
            "AVAIL",
            "DOWN",
            "USER",
            "SYSTEM",
            "RESOURCE",
            "DEPEND",
            "UNKNOWN",
            "INC"
        );
        let row = |out: &mut String, job: &str, name: &str, f: &SlaFigures| {
            let b = |k: &str| h(f.down_by_blame.get(k).copied().unwrap_or(0.0));
            let _ = writeln!(
                out,
                "{:<34} {:<24} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>5}",
                truncate(job, 34),
                truncate(name, 24),
                pct(f.availability),
                h(f.down),
                b("user"),
                b("system"),
                b("resource"),
                b("dependency"),
                b("unknown"),
                f.incidents
            );
        };
        for j in &self.jobs {
            row(&mut out, &j.job, &j.name, &j.sla);
        }
        row(&mut out, "ALL JOBS", "", &self.fleet);
        let _ = writeln!(out, "\nerror budgets (all jobs):");
        for (blame, b) in &self.fleet.budgets {
            let _ = writeln!(
                out,
                "  {:<10} objective {:.3}%  allowed {:>9}  used {:>9}  left {:>7.1}%",
                blame,
                b.objective * 100.0,
                h(b.allowed),
                h(b.used),
                b.remaining * 100.0
            );
        }
        if !self.fleet.down_by_category.is_empty() {
            let _ = writeln!(out, "\ndown time by category (all jobs):");
            let mut cats: Vec<_> = self.fleet.down_by_category.iter().collect();
            cats.sort_by(|a, b| b.1.total_cmp(a.1));
            for (c, s) in cats {
                let _ = writeln!(out, "  {:<40} {:>9}", c, h(*s));
            }
        }
        out
    }

    /// CSV, one row per job and one for all jobs.
    pub fn to_csv(&self) -> String {
        let mut out = String::from(
            "job,name,availability,up_s,down_s,user_s,system_s,resource_s,dependency_s,unknown_s,planned_s,startup_s,unobserved_s,incidents\n",
        );
        let mut row = |job: &str, name: &str, f: &SlaFigures| {
            let b = |k: &str| f.down_by_blame.get(k).copied().unwrap_or(0.0);
            let e = |k: &str| f.excluded.get(k).copied().unwrap_or(0.0);
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
                csv(job),
                csv(name),
                f.availability.map_or(String::new(), |a| format!("{a:.6}")),
                f.up,
                f.down,
                b("user"),
                b("system"),
                b("resource"),
                b("dependency"),
                b("unknown"),
                e("planned"),
                e("startup"),
                e("unobserved"),
                f.incidents
            ));
        };
        for j in &self.jobs {
            row(&j.job, &j.name, &j.sla);
        }
        row("*", "all jobs", &self.fleet);
        out
    }
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        s.chars().take(n - 1).chain(['…']).collect()
    }
}

fn csv(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// Parses a duration like `30d`, `12h`, `90m`, `45s` or `500ms`.
pub fn parse_duration(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (num, unit) = text.split_at(split);
    let n: i64 = num
        .parse()
        .map_err(|_| format!("`{text}` is not a duration like 30d, 12h, 90m or 45s"))?;
    let ms = match unit {
        "ms" => 1,
        "s" | "" => 1000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        "w" => 7 * 86_400_000,
        _ => {
            return Err(format!(
                "unknown unit `{unit}` in `{text}` (use ms, s, m, h, d or w)"
            ));
        }
    };
    n.checked_mul(ms)
        .ok_or_else(|| format!("`{text}` is too long"))
}
