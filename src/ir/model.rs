//! [`ModelIr`]: everything the training stage needs from a model, in IR form — variable names
//! and orders, the arena, the distinct basis terms, one [`Equation`] per state (a known part plus
//! sparse blocks and neural-term specs), the coefficient layout, and the side table from nodes
//! to source spans for run-time error reports.
//!
//! Input: builder calls (from the lowering). Output: the container, printable with `Display`.

use std::collections::BTreeMap;
use std::fmt;

use super::{Arena, Basis, Names, NodeId, Term};
use crate::source::Span;

/// A sparse block `sparse(lib, keep = {...}, exclude = {...})` of one equation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SparseBlock {
    /// The basis name as written (for printing).
    pub basis: String,
    /// Indices into [`ModelIr::terms`], in basis order.
    pub terms: Vec<usize>,
    /// Per term: never thresholded away.
    pub keep: Vec<bool>,
    /// Per term: removed from this equation (it gets no coefficient slot).
    pub exclude: Vec<bool>,
    /// Per term: its slot in the coefficient vector (`None` when excluded).
    pub slots: Vec<Option<usize>>,
}

/// A neural term `mlp(inputs; hidden = [...], activation = ...)`: a network expression over
/// its own weights ([`super::neural`]). While it trains, weight `i` is the kernel parameter
/// [`ModelIr::weight_param`]`(first + i)`; once trained ([`ModelIr::install_weights`]) the
/// weights are constants of `node` and also kept in `weights`.
#[derive(Clone, Debug, PartialEq)]
pub struct NeuralSpec {
    /// Expressions fed to the network.
    pub inputs: Vec<NodeId>,
    /// Hidden layer widths.
    pub hidden: Vec<usize>,
    /// Activation of the hidden layers.
    pub activation: crate::check::hir::Activation,
    /// Index of the network's first weight in the model's weight block.
    pub first: usize,
    /// Number of weights.
    pub count: usize,
    /// The network's output.
    pub node: NodeId,
    /// The trained weights, once installed.
    pub weights: Option<Vec<f64>>,
    /// `explain = basis`: the basis name and its terms.
    pub explain: Option<(String, Vec<Term>)>,
    /// The term as written (`mlp(v, w; hidden = [16, 16])`).
    pub text: String,
    /// The sparse formula that explains the trained network (`explain = basis`), once found.
    pub formula: Option<Formula>,
    /// Where the term was written.
    pub span: Option<Span>,
}

/// A sparse formula `Σ c_k θ_k` standing for a trained neural term, with its R² against the
/// network's output on the denoised trajectories.
#[derive(Clone, Debug, PartialEq)]
pub struct Formula {
    /// (term node, coefficient), in basis order.
    pub terms: Vec<(NodeId, f64)>,
    /// Coefficient of determination against the network's output.
    pub r2: f64,
}

/// The equation `state^(order) = known + sparse blocks + neural terms`.
#[derive(Clone, Debug, PartialEq)]
pub struct Equation {
    /// The state this equation defines.
    pub state: u32,
    /// Derivative order on the left-hand side.
    pub order: u32,
    /// The fully known part of the right-hand side (`0` if none).
    pub known: NodeId,
    /// Sparse blocks, each with learnable coefficients.
    pub sparse: Vec<SparseBlock>,
    /// Neural terms.
    pub neural: Vec<NeuralSpec>,
    /// Where the equation was written.
    pub span: Option<Span>,
}

/// A lowered `hamiltonian H = known + Σ c_k θ_k`: kept to print the fitted H and to evaluate
/// it along a rollout (energy drift).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HamiltonianIr {
    /// The name as written.
    pub name: String,
    /// The known part.
    pub known: NodeId,
    /// The sparse terms `θ_k` with their coefficient slot (`None` when the term does not reach
    /// any equation: a constant, or an excluded term).
    pub terms: Vec<(Term, Option<usize>)>,
}

/// What coefficient slot `i` multiplies: term `term` in equation `equation`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CoefSlot {
    /// Index into [`ModelIr::equations`].
    pub equation: usize,
    /// Index into [`ModelIr::terms`].
    pub term: usize,
}

/// The lowered model.
#[derive(Clone, Debug, Default)]
pub struct ModelIr {
    /// The model's name.
    pub name: String,
    /// Display names of states, parameters and inputs.
    pub names: Names,
    /// The expression DAG all node ids refer to.
    pub arena: Arena,
    /// Distinct basis terms across all sparse blocks (a term used by several equations or
    /// bases appears once).
    pub terms: Vec<Term>,
    /// One entry per equation, in source order.
    pub equations: Vec<Equation>,
    /// The coefficient layout: slot index -> (equation, term) of the slot's first use.
    pub coefs: Vec<CoefSlot>,
    /// Further uses of shared slots (a Hamiltonian's coefficient in every equation its term
    /// reaches, a vector equation's coefficient in every component): (slot, equation, term).
    pub shared: Vec<(usize, CoefSlot)>,
    /// The Hamiltonian the equations were generated from, if any.
    pub hamiltonian: Option<HamiltonianIr>,
    /// Source spans of nodes that came from text (terms, right-hand sides).
    pub spans: BTreeMap<NodeId, Span>,
    /// Weights of neural terms still to train (kernel parameters after the coefficients; 0 once
    /// trained weights are installed).
    pub n_weights: usize,
}

impl ModelIr {
    /// An empty model with its variable names.
    pub fn new(name: impl Into<String>, names: Names) -> ModelIr {
        ModelIr { name: name.into(), names, ..ModelIr::default() }
    }

    /// The ODE order of state `s`: the highest derivative on the left of its equations (1 for
    /// a state without an equation).
    pub fn state_order(&self, s: u32) -> u32 {
        self.equations.iter().filter(|e| e.state == s).map(|e| e.order).max().unwrap_or(1).max(1)
    }

    /// Records that `node` came from `span` (first span wins).
    pub fn note_span(&mut self, node: NodeId, span: Span) {
        self.spans.entry(node).or_insert(span);
    }

    /// The span recorded for `node`, if any.
    pub fn span_of(&self, node: NodeId) -> Option<Span> {
        self.spans.get(&node).copied()
    }

    /// Adds a term (or finds the existing term with the same node) and returns its index.
    pub fn add_term(&mut self, term: &Term) -> usize {
        if let Some(i) = self.terms.iter().position(|t| t.node == term.node) {
            return i;
        }
        if let Some(s) = term.span {
            self.note_span(term.node, s);
        }
        self.terms.push(term.clone());
        self.terms.len() - 1
    }

    /// Adds the equation `state^(order) = known` and returns its index.
    pub fn add_equation(&mut self, state: u32, order: u32, known: NodeId, span: Option<Span>) -> usize {
        if let Some(s) = span {
            self.note_span(known, s);
        }
        self.equations.push(Equation { state, order, known, sparse: vec![], neural: vec![], span });
        self.equations.len() - 1
    }

    /// Adds a sparse block over `basis` to equation `eq`; `keep` and `exclude` are per basis
    /// term (empty means all false). Allocates a coefficient slot for every non-excluded term.
    pub fn add_sparse(&mut self, eq: usize, name: &str, basis: &Basis, keep: &[bool], exclude: &[bool]) {
        let n = basis.len();
        let mask = |m: &[bool]| (0..n).map(|i| m.get(i).copied().unwrap_or(false)).collect::<Vec<_>>();
        let (keep, exclude) = (mask(keep), mask(exclude));
        let mut terms = Vec::with_capacity(n);
        let mut slots = Vec::with_capacity(n);
        for (i, t) in basis.terms.iter().enumerate() {
            let id = self.add_term(t);
            terms.push(id);
            slots.push((!exclude[i]).then(|| {
                self.coefs.push(CoefSlot { equation: eq, term: id });
                self.coefs.len() - 1
            }));
        }
        let block = SparseBlock { basis: name.to_string(), terms, keep, exclude, slots };
        self.equations[eq].sparse.push(block);
    }

    /// Adds a sparse block to equation `eq` whose coefficients are shared with other blocks:
    /// `slots[i]` is the shared slot of term `i` (allocated here on its first use; `None` in
    /// `terms` leaves a term out of this equation). `keep` is per term.
    pub fn add_shared_sparse(
        &mut self,
        eq: usize,
        name: &str,
        terms: &[Option<Term>],
        keep: &[bool],
        slots: &mut [Option<usize>],
    ) {
        let mut block =
            SparseBlock { basis: name.to_string(), terms: vec![], keep: vec![], exclude: vec![], slots: vec![] };
        for (i, t) in terms.iter().enumerate() {
            let Some(t) = t else { continue };
            let id = self.add_term(t);
            let slot = match slots[i] {
                Some(s) => {
                    self.shared.push((s, CoefSlot { equation: eq, term: id }));
                    s
                }
                None => {
                    self.coefs.push(CoefSlot { equation: eq, term: id });
                    slots[i] = Some(self.coefs.len() - 1);
                    self.coefs.len() - 1
                }
            };
            block.terms.push(id);
            block.keep.push(keep.get(i).copied().unwrap_or(false));
            block.exclude.push(false);
            block.slots.push(Some(slot));
        }
        self.equations[eq].sparse.push(block);
    }

    /// Every (equation, term) use of coefficient slot `s`: its first use, then the shared ones.
    pub fn slot_uses(&self, s: usize) -> Vec<CoefSlot> {
        let mut out = vec![self.coefs[s]];
        out.extend(self.shared.iter().filter(|(x, _)| *x == s).map(|(_, u)| *u));
        out
    }

    /// Kernel parameter of weight `w`: after the model's parameters and the coefficient slots.
    pub fn weight_param(&self, w: usize) -> u32 {
        (self.names.params.len() + self.coefs.len() + w) as u32
    }

    /// Adds a neural term to equation `eq`: its weights are the next `count` of the weight
    /// block, and `node` is built over their parameters ([`super::neural::network`]).
    #[allow(clippy::too_many_arguments)]
    pub fn add_neural(
        &mut self,
        eq: usize,
        inputs: Vec<NodeId>,
        hidden: Vec<usize>,
        activation: crate::check::hir::Activation,
        explain: Option<(String, Vec<Term>)>,
        text: String,
        span: Option<Span>,
    ) {
        let first = self.n_weights;
        let count = super::neural::weight_count(inputs.len(), &hidden);
        let base = self.weight_param(first);
        let node =
            super::neural::network(&mut self.arena, &inputs, &hidden, activation, &mut |a, i| a.param(base + i as u32));
        self.n_weights += count;
        let spec = NeuralSpec {
            inputs,
            hidden,
            activation,
            first,
            count,
            node,
            weights: None,
            explain,
            text,
            formula: None,
            span,
        };
        self.equations[eq].neural.push(spec);
    }

    /// Every neural term with its equation index.
    pub fn networks(&self) -> impl Iterator<Item = (usize, &NeuralSpec)> {
        self.equations.iter().enumerate().flat_map(|(e, eq)| eq.neural.iter().map(move |n| (e, n)))
    }

    /// Replaces the weight parameters of every neural term by the trained values `weights` (the
    /// whole weight block): the networks become known expressions, so every later stage
    /// (rollouts, simulation, plots, emission) treats them like any other known part.
    pub fn install_weights(&mut self, weights: &[f64]) {
        if self.n_weights == 0 || weights.len() != self.n_weights {
            return;
        }
        for e in 0..self.equations.len() {
            for k in 0..self.equations[e].neural.len() {
                let spec = &self.equations[e].neural[k];
                let (inputs, hidden, act) = (spec.inputs.clone(), spec.hidden.clone(), spec.activation);
                let w = weights[spec.first..spec.first + spec.count].to_vec();
                let node = super::neural::network(&mut self.arena, &inputs, &hidden, act, &mut |a, i| a.constant(w[i]));
                let spec = &mut self.equations[e].neural[k];
                spec.node = node;
                spec.weights = Some(w);
            }
        }
        self.n_weights = 0;
    }

    /// The term nodes in term order: the outputs of the basis kernel Θ(x).
    pub fn term_nodes(&self) -> Vec<NodeId> {
        self.terms.iter().map(|t| t.node).collect()
    }

    /// The known parts of the right-hand sides, in equation order.
    pub fn known_nodes(&self) -> Vec<NodeId> {
        self.equations.iter().map(|e| e.known).collect()
    }

    /// The right-hand side of every equation as one expression, `known + Σ c_s * term`, where
    /// coefficient slot `s` is the parameter `Var::Param(n_params + s)` (the model's own
    /// parameters come first), plus the equation's neural terms.
    pub fn rhs_nodes(&mut self) -> Vec<NodeId> {
        let n_params = self.names.params.len() as u32;
        let mut out = Vec::with_capacity(self.equations.len());
        for e in 0..self.equations.len() {
            let mut acc = self.equations[e].known;
            let pairs: Vec<(usize, usize)> = self.equations[e]
                .sparse
                .iter()
                .flat_map(|b| b.terms.iter().zip(&b.slots).filter_map(|(&t, s)| s.map(|s| (t, s))))
                .collect();
            for (t, s) in pairs {
                let c = self.arena.param(n_params + s as u32);
                let ct = self.arena.mul(c, self.terms[t].node);
                acc = self.arena.add(acc, ct);
            }
            for k in 0..self.equations[e].neural.len() {
                acc = self.arena.add(acc, self.equations[e].neural[k].node);
            }
            out.push(acc);
        }
        out
    }

    /// Maps output `col` of a kernel compiled for `outputs` to a readable label and span, for
    /// reporting a non-finite value: the term's name and span if it is a term, else the node's
    /// printed form and recorded span.
    pub fn describe_output(&self, outputs: &[NodeId], col: usize) -> Option<(String, Option<Span>)> {
        let node = *outputs.get(col)?;
        if let Some(t) = self.terms.iter().find(|t| t.node == node) {
            return Some((t.name.clone(), t.span.or(self.span_of(node))));
        }
        Some((self.arena.surface(node, &self.names).to_string(), self.span_of(node)))
    }
}

impl fmt::Display for ModelIr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |n: NodeId| self.arena.display(n, &self.names).to_string();
        writeln!(f, "model {}", self.name)?;
        writeln!(f, "states: {}", self.names.states.join(", "))?;
        if !self.names.params.is_empty() {
            writeln!(f, "params: {}", self.names.params.join(", "))?;
        }
        if !self.names.inputs.is_empty() {
            writeln!(f, "inputs: {}", self.names.inputs.join(", "))?;
        }
        writeln!(f, "terms ({}):", self.terms.len())?;
        for (i, t) in self.terms.iter().enumerate() {
            writeln!(f, "  t{i} = {}", t.name)?;
        }
        writeln!(f, "equations:")?;
        for e in &self.equations {
            let lhs = self.names.var_name(super::Var::State { index: e.state, order: e.order });
            // A zero known part is left out when something else is on the right side.
            let bare = self.arena.const_value(e.known) == Some(0.0) && !(e.sparse.is_empty() && e.neural.is_empty());
            write!(f, "  {lhs} =")?;
            let mut sep = " ";
            if !bare {
                write!(f, " {}", show(e.known))?;
                sep = " + ";
            }
            for b in &e.sparse {
                write!(f, "{sep}sparse({})[", b.basis)?;
                sep = " + ";
                let items: Vec<String> = (0..b.terms.len()).map(|i| block_item(b, i)).collect();
                write!(f, "{}]", items.join(", "))?;
            }
            for n in &e.neural {
                write!(f, "{sep}{}", self.neural_text(n))?;
                sep = " + ";
            }
            writeln!(f)?;
        }
        if let Some(h) = &self.hamiltonian {
            write!(f, "hamiltonian {} =", h.name)?;
            let mut sep = " ";
            if self.arena.const_value(h.known) != Some(0.0) || h.terms.is_empty() {
                write!(f, " {}", show(h.known))?;
                sep = " + ";
            }
            for (t, s) in &h.terms {
                match s {
                    Some(s) => write!(f, "{sep}c{s}*({})", t.name)?,
                    None => write!(f, "{sep}[{}: no effect on the equations]", t.name)?,
                }
                sep = " + ";
            }
            writeln!(f)?;
        }
        if !self.shared.is_empty() {
            writeln!(f, "shared coefficient uses: {}", self.shared.len())?;
        }
        write!(f, "coefficients: {}", self.coefs.len())
    }
}

impl ModelIr {
    /// A neural term as `--emit ir` shows it: the network and the range of its weights.
    fn neural_text(&self, n: &NeuralSpec) -> String {
        let ins: Vec<String> = n.inputs.iter().map(|&i| self.arena.display(i, &self.names).to_string()).collect();
        let (first, last) = (n.first, (n.first + n.count).saturating_sub(1));
        format!(
            "mlp({}; hidden = {:?}, activation = {})[weights w{first}..w{last}]",
            ins.join(", "),
            n.hidden,
            n.activation.name()
        )
    }
}

/// `c3*t5`, `c3*t5!` (kept), or `-t5` (excluded).
fn block_item(b: &SparseBlock, i: usize) -> String {
    match b.slots[i] {
        None => format!("-t{}", b.terms[i]),
        Some(s) => format!("c{s}*t{}{}", b.terms[i], if b.keep[i] { "!" } else { "" }),
    }
}
