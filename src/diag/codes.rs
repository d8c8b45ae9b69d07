//! The table of diagnostic codes: each code's title and a one-paragraph explanation, used by
//! `mechc explain CODE` and listable for the README. Codes are stable: never renumber one.

use std::fmt;

/// A stable diagnostic code (`E0xx` errors, `W0xx` warnings).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Code(pub &'static str);

impl Code {
    /// Warnings are the codes starting with `W`.
    pub fn severity(self) -> super::Severity {
        if self.0.starts_with('W') {
            super::Severity::Warning
        } else {
            super::Severity::Error
        }
    }

    /// The table entry of this code.
    pub fn info(self) -> Option<&'static CodeInfo> {
        CODES.iter().find(|c| c.code == self.0)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// One row of the codes table.
#[derive(Debug)]
pub struct CodeInfo {
    pub code: &'static str,
    pub title: &'static str,
    pub explanation: &'static str,
}

/// Looks a code up case-insensitively (`e012` finds `E012`).
pub fn lookup(code: &str) -> Option<&'static CodeInfo> {
    CODES.iter().find(|c| c.code.eq_ignore_ascii_case(code.trim()))
}

macro_rules! codes {
    ($($id:ident = $code:literal, $title:literal, $expl:literal;)*) => {
        $(#[doc = $title] pub const $id: Code = Code($code);)*
        /// Every code with its title and explanation, in code order.
        pub static CODES: &[CodeInfo] = &[$(CodeInfo { code: $code, title: $title, explanation: $expl }),*];
    };
}

codes! {
    SYNTAX = "E001", "syntax error",
        "The text does not follow the grammar of `.mech`. The message says what was expected at the marked position, in words. Common causes: a missing `=`, an unbalanced parenthesis or brace, a keyword used as a name, or implicit multiplication (`2 x` must be written `2*x`).";
    TOO_DEEP = "E002", "nesting too deep",
        "Parentheses, brackets and braces may be nested at most 200 levels deep (and expressions at most 400 operators deep). The limit protects the compiler's stack; no real model comes near it. Split the expression using `const`, `fn` or `basis` declarations.";
    TYPOGRAPHIC = "E003", "typographic character where ASCII is expected",
        "A derivative is written with the ASCII apostrophe: `x'`, `x''`. Word processors often turn it into a typographic prime `′` or quote `’`; likewise `−` (U+2212) is not the minus sign `-` and curly quotes are not `\"`. Replace the character with its ASCII form.";
    BAD_NUMBER = "E004", "number out of range",
        "A numeric literal does not fit in a 64-bit float (for example `1e999`) or an integer setting is too large. Write a smaller number.";
    UNKNOWN_NAME = "E010", "unknown name",
        "A name is used that is not declared in this model, in a `use`d file or in the standard library. Declare it (`state`, `input`, `param`, `const`, `fn`, `basis`, `system`) or fix its spelling; the help line suggests the closest known name.";
    DUPLICATE = "E011", "duplicate declaration",
        "Two declarations share one name in the same scope (states, inputs, parameters, constants, functions, bases, data sets and systems share one namespace; a model may also have only one `model` line and one `fit` block). Rename or remove one of them.";
    NO_EQUATION = "E012", "state without an equation",
        "Every state declared with `state` needs exactly one equation `x' = ...` (or `x'' = ...` for a second-order state). Add the equation, or remove the state if it is not part of the model (use `input` for a measured signal that has no equation).";
    TWO_EQUATIONS = "E013", "state with more than one equation",
        "A state has more than one equation. Each state has exactly one; to add terms, sum them on one right-hand side: `x' = a*x + sparse(lib)`.";
    NOT_A_STATE = "E014", "equation for something that is not a state",
        "The left side of an equation must be the derivative of a declared state. Parameters, constants and inputs have no equations: a parameter is learned, a constant is fixed, an input is read from the data. Declare the name with `state` if it evolves in time.";
    NO_PRIME = "E015", "equation without a derivative",
        "An equation sets a derivative: write `x' = ...` (first order) or `x'' = ...` (second order). `x = ...` is not an equation; for a fixed value use `const`, for a helper expression use `fn`.";
    MISPLACED_TERM = "E016", "`sparse(...)` or `mlp(...)` outside an equation's right side",
        "`sparse(...)` and `mlp(...)` create learnable terms and may appear only as a top-level summand of an equation's right side (`x' = a*x + sparse(lib)`), not inside another expression, a function, a constant or a basis. Move the term out to the right side's top-level sum.";
    LEARNABLE_IN_SIM = "E017", "learnable in a simulated system",
        "Simulated data comes from a fully known system, so `simulate` blocks and `system` declarations may not use learnable parameters, `sparse(...)` or `mlp(...)`. Use numbers, constants or random draws (`normal(m, s)`, `uniform(a, b)`) instead.";
    MISSING_INIT = "E018", "simulated state without an initial value",
        "Every state of a simulated system needs an initial value in the `init` line (for a second-order state, its derivative too: `init x = 1, x' = 0`). Add the missing value.";
    ARG_COUNT = "E019", "wrong number of arguments",
        "A function, family or system was called with more or fewer arguments than it takes. The message says how many it expects; the note shows its signature.";
    BAD_DEGREE = "E020", "invalid degree or harmonics",
        "`poly(..., degree = d)` and `fourier(..., harmonics = k)` need a non-negative integer constant: `degree = 2`, not `degree = 1.5` or `degree = -1`.";
    BASIS_EXPLOSION = "E021", "basis too large",
        "The basis would generate more candidate terms than the default limit (the number of monomials of degree at most d in n variables is C(n+d, d)). Such a library is slow and rarely identifiable. Lower the degree, use fewer variables, or raise the limit explicitly with `fit { max_terms = N }`.";
    MISSING_COLUMN = "E022", "data column not found",
        "A column named in a `csv` mapping (or implied by a state's name) is not in the file's header line. Map the state to an existing column: `csv \"file.csv\" { x = column_name }`.";
    MISSING_FILE = "E023", "data file missing",
        "The file of a `csv` data source cannot be read. The path is resolved relative to the `.mech` file that names it. Check the path and that the file exists.";
    UNKNOWN_SETTING = "E024", "unknown fit setting",
        "A key in `fit { ... }` is not a known setting. Every setting, its type, range and default is listed by `mechc explain fit`. The help line suggests the closest known key.";
    BAD_SETTING = "E025", "invalid fit setting value",
        "A `fit` setting has a value of the wrong type or outside its allowed range. `mechc explain fit` lists the type and range of every setting.";
    TYPE_MISMATCH = "E026", "wrong kind of expression",
        "An expression of one kind is used where another is required: a basis (`poly(...)`, `{...}`, a `basis` name) where a number-valued expression is needed, a number where a basis is needed, or a data set, system or function name used as a value.";
    BAD_DERIVATIVE = "E027", "derivative not allowed here",
        "On a right side, a derivative `x'` may appear only when the left side is a higher derivative of the same state (`x'' = -k*x - c*x'`), and only of a lower order than the left side. Elsewhere a derivative has no value to take.";
    IMPORT_NOT_FOUND = "E028", "imported file not readable",
        "A `use \"file.mech\"` names a file that cannot be read (the message gives the reason: not found, a directory, not UTF-8 text, larger than the input limit of 64 MiB, which `MECHC_MAX_INPUT_BYTES` sets), or a file without the `.mech` extension that does not parse; the contents of such a file are never shown. Paths are resolved relative to the importing file.";
    IMPORT_CYCLE = "E029", "import cycle",
        "Files `use` each other in a cycle. Move the shared declarations to a third file that both use.";
    RECURSIVE_FN = "E031", "recursive function",
        "Functions are inlined, so a function may not call itself, directly or through other functions.";
    BAD_ARGUMENT = "E032", "invalid argument",
        "An argument is not accepted here: an unknown named argument, a named argument given twice, a term in `keep`/`exclude` that is not in the basis, or an `mlp` hidden size that is not a positive integer. The note shows what the call accepts.";
    BAD_SIMULATION = "E033", "invalid simulate block",
        "A `simulate` block needs exactly one `time a .. b step h` with a < b and 0 < h <= b - a; `noise` is a percentage >= 0; `seed` and `trajectories` are non-negative integers (trajectories >= 1); each entry may appear once; each state of the system is simulated, and the model's states must all be produced.";
    NOT_CONSTANT = "E034", "constant expression required",
        "A parameter's initial value and bounds, a constant's value, a family's `degree`, and the numbers of a `simulate` block must be computable before training: use numbers, constants and functions of them, not states, parameters or `t`.";
    BAD_BOUNDS = "E035", "invalid parameter bounds",
        "Parameter bounds `in (lo, hi)` need lo < hi, and the initial value must lie inside them.";
    RESERVED_NAME = "E036", "reserved name",
        "`t` is the time variable and the names of intrinsic functions (`sin`, `cos`, `tan`, `exp`, `log`, `sqrt`, `abs`, `tanh`) and built-ins (`poly`, `fourier`, `sparse`, `mlp`, `normal`, `uniform`) cannot be redeclared. Choose another name.";
    MISPLACED_RANDOM = "E037", "random draw outside a simulate block",
        "`normal(m, s)` and `uniform(a, b)` draw random values per simulated trajectory; they are allowed only as system arguments and `init` values of a `simulate` block.";
    NO_STATES = "E038", "model without states",
        "A model needs at least one `state` with an equation; a file that only declares functions, systems or bases can be `use`d by models but is not a model itself. Add `state` declarations and equations (files without a `model` line are libraries and are exempt).";
    NO_DATA = "E039", "model without data",
        "`mechc run` and `mechc simulate` need at least one `data` declaration: `data NAME = csv \"file.csv\"` or `data NAME = simulate SYSTEM(...) { ... }`. A model without data can be checked but not trained.";
    BAD_CELL = "E040", "bad value in a data file",
        "A cell of a csv data file is not a finite number: text that does not parse as a number, an infinite value, or an empty time cell. The message names the line (the header is line 1) and the column. Missing state values are allowed: leave the cell empty or write NaN and the value is masked out of the loss.";
    TIME_ORDER = "E041", "time does not increase",
        "Within one trajectory the time column must be strictly increasing (irregular steps are fine). Sort the rows by time; to put several trajectories in one file, add a trajectory column and name it with `trajectory = COLUMN` in the csv mapping.";
    RAGGED_ROWS = "E042", "row of the wrong length",
        "A row of a csv data file has more or fewer cells than the header line. Every row needs one cell per header column (an empty cell is a missing value).";
    TOO_FEW_ROWS = "E043", "too few rows for a training window",
        "Under `method = mnn` training cuts every trajectory into windows of `fit { window = N }` time points, so every trajectory needs at least that many rows (with `window = auto`, at least 8). Lower the window, provide longer series, or use `method = collocation` or `method = sindy`, which need no windows.";
    SIMULATION_FAILED = "E044", "simulation failed",
        "The system of a `simulate` block could not be integrated: the solution stopped being finite (for example it blew up in finite time), or the adaptive integrator needed steps too small to advance (a singularity or a very stiff system). Check the system's parameters, its initial values and the time range.";
    UNSUPPORTED = "E045", "not supported yet",
        "The model uses a feature that this build does not support: a neural term `mlp(...)` under `method = sindy` or `method = mnn` (neural terms train under `method = collocation`), or `fit { device = cuda }` (this build has no CUDA backend; the solver's device boundary is `mnn::SolverBackend`). The model is otherwise valid; `mechc run` refuses rather than give a wrong answer.";
    NON_FINITE_TERM = "E046", "term not finite on the data",
        "A candidate term or right-hand side evaluates to NaN or infinity on the data (for example `log(x)` where `x <= 0`, or `1/x` where `x = 0`). The message names the term, the trajectory and the time. Remove the term from the basis, or transform the data.";
    FIT_FAILED = "E047", "training failed",
        "Training could not produce a model: the loss became non-finite (divergence: check the model's scale and the data), a linear solve was singular (collinear candidate terms, or a window where the data do not vary), or the data cannot support a fit (a state with no observed value). The message names the round, window or state concerned.";
    SHAPE_MISMATCH = "E048", "vector and scalar mixed",
        "Vectors (`state q: vec3`, `const g = vec3(0, 0, -9.81)`) combine componentwise: a vector may be added to or subtracted from a vector of the same size, multiplied or divided by a scalar, and an equation of a vector state needs a vector right side. A vector may not be added to a scalar, multiplied by a vector (write `dot(a, b)` for the inner product), passed to a scalar function, or given as the right side of a scalar state's equation; a Hamiltonian is a scalar. Use `|v|` for a norm, `dot(a, b)` for an inner product and `v.x` for a component.";
    UNKNOWN_COMPONENT = "E049", "unknown vector component",
        "`v.x`, `v.y` and `v.z` name the components of a vector (`v.z` only of a `vec3`); the shapes are `vec2` and `vec3`. The component must exist, and the name before the dot must be a vector. The data columns of a vector state are named per component: `q_x, q_y, q_z` by default.";
    BAD_HAMILTONIAN = "E050", "invalid Hamiltonian model",
        "`hamiltonian H = ...` generates the equations of the model's canonical pairs: every state named `p...` pairs with the state named `q...` with the same suffix (`q1, p1`; for vectors, per component), and gets `q' = dH/dp`, `p' = -dH/dq`. A model has at most one Hamiltonian, it needs at least one pair, a paired state may not also have its own equation, and every `q...`/`p...` state must have its partner.";
    OUTPUT_PATH = "E056", "output path rejected",
        "An output named on the command line (`--json`, `--emit-model`, `--plot`, `--report`, `-o`, `fmt --write`) cannot be written, and this is found before any work starts: it names an input of the command (outputs never replace the model or its data), a directory, a block device or socket, a file in a directory that does not exist, a plot whose extension is neither `.svg` nor `.png`, or an HTML report not named `.html` or `.htm`. Character devices and pipes (`/dev/null`, `/dev/stdout`) are written into; `-` writes the JSON report, the model or the HTML report to standard output.";
    OUTPUT_WRITE = "E057", "output not written",
        "Writing an output failed (the message gives the operating system's reason: no space left, permission denied). Outputs are written to a temporary file and renamed over the target only when complete, so the target is either the old file or the new one, never a partial one.";
    INPUT_UNREADABLE = "E058", "input file not readable",
        "A model file named on the command line cannot be read: it does not exist, is a directory, is not UTF-8 text, or is larger than the input limit (64 MiB; the environment variable `MECHC_MAX_INPUT_BYTES` sets another). The message gives the reason.";
    USAGE = "E059", "command-line usage error",
        "The command line does not match what the subcommand accepts: an unknown flag, a missing argument, or a value of the wrong form. `mechc help SUBCOMMAND` lists what it accepts.";
    TOO_LARGE = "E060", "model too large to train",
        "Training would need more memory or time than the limits allow, estimated from the model before anything is allocated: the data (rows x trajectories x unknowns per row), the expression an equation becomes once its functions are inlined, or the number of distinct candidate terms. The message gives the estimate and the limit; shorten the data, lower the degree or split the functions.";
    NON_FINITE_CONST = "E061", "constant not finite",
        "A constant (or a number computed from constants, such as a parameter's initial value) evaluates to infinity or NaN: a division by zero, `0/0`, an overflow such as `10^400`, or a fractional power of a negative number such as `(-8)^(1/3)`. The label points at the expression; rewrite it so that it has a finite value.";
    DEGENERATE = "E062", "fit cannot determine a term",
        "The data cannot determine part of the model, found before training: a candidate term that is zero on every row of the data (such as `x - x`, or `x` when the data of `x` are all zero), data that are all zero for every state, or values so large (beyond 1e150) that squaring them overflows. Remove the term, or rescale the data.";
    INTERRUPTED = "E063", "interrupted",
        "Training was stopped with Ctrl-C (SIGINT). `mechc run` stops at the next iteration of the fit, reports the best model found so far, writes the outputs named on the command line and exits with status 130. A second Ctrl-C exits at once.";
    UNKNOWN_ACTIVATION = "E068", "unknown activation",
        "A network's `activation` names no activation function. The activations are `tanh` (the default), `relu`, `softplus` and `sigmoid`: `encoder enc = mlp(u; hidden = [64, 64], activation = relu)`.";
    EMPTY_HIDDEN = "E069", "empty hidden layer list",
        "`hidden = []` gives a network no hidden layer. List the width of each hidden layer, for example `hidden = [64, 64]`; the widths are positive integers.";
    BAD_ENCODER = "E070", "invalid encoder declaration",
        "`encoder NAME = mlp(inputs...; hidden = [...], activation = ...)` reads whole trajectories of its inputs, which must be states of the model (their data are what it reads); an input, a parameter, a constant or an expression is not a series it can read. The right side must be one `mlp(...)` call with at least one input.";
    BAD_FROM_ENCODER = "E071", "invalid parameter from an encoder",
        "`param r per trajectory from enc in (0.1, 10)` takes one value per trajectory from the encoder `enc`, so the parameter must be declared `per trajectory` and `enc` must be an encoder of the model. A model with an encoder trains by `method = mnn` (the encoder, the shared parameters and the ODE layer together), and every per-trajectory parameter of it must come from an encoder: a free per-trajectory value could not be given to a trajectory never seen in training.";
    SPATIAL_DERIV_NON_FIELD = "E072", "spatial derivative of a non-field",
        "`u_x`, `u_xx`, ... name the spatial derivatives of a field (`field u over x`). The name before the underscore is a state, input or parameter that does not depend on space, so it has no spatial derivative. Declare it as a field (`field u over x`) or use another name.";
    UNKNOWN_SPATIAL_DERIV = "E073", "unknown spatial derivative",
        "A name starts with a field's name and an underscore but the rest is not its space variable repeated: the spatial derivatives of `field u over x` are `u_x`, `u_xx`, `u_xxx` and `u_xxxx` (the number of letters is the order). Fix the spelling, or rename the other declaration so that it does not look like a derivative.";
    DERIV_ORDER = "E074", "spatial derivative order too high",
        "The fit computes spatial derivatives up to the fourth order (`u_xxxx`): higher orders amplify the data's noise by the fifth power of the wavenumber or more and need more grid points than a stencil has. At data time, a grid also needs at least 2·order + 3 points for the derivatives it is asked for.";
    FIELD_WITHOUT_SPACE = "E075", "field without a spatial domain",
        "`field u over x` needs a `space x in lo .. hi` declaration (add `periodic` for a periodic domain) with the same name, declared once in the model's file; a model with fields may not also declare ordinary states, inputs, `mlp` terms or a Hamiltonian.";
    BAD_SPACE = "E076", "invalid spatial domain",
        "`space x in lo .. hi [periodic]` declares a model's one spatial dimension: `lo` and `hi` are constant numbers with `lo < hi`, and a model declares at most one space. Periodic domains are sampled at `lo + k·(hi − lo)/n`, `k = 0..n-1` (the end point `hi` is the start point again); other domains at `n` points from `lo` to `hi` inclusive.";
    BAD_FIELD_DATA = "E077", "invalid field data",
        "Data of a model with fields are either a simulation of a field system (`simulate burgers(nu = 0.1) { init u = exp(-(x - 8)^2)  points 256  time 0 .. 10 step 0.1 }`: an initial profile per field as an expression of the space variable, the number of grid points, a time range, optional `noise` and `seed`; one trajectory per `data` block; on a bounded space with a `boundary` line, `E084`) or a CSV file in long form (`csv \"u.csv\" { time = t, x = x, u = u }`: one row per time and grid point, columns mapped by the keys `time`, the space variable, each field and optionally `trajectory`).";
    FIELD_GRID = "E078", "irregular spatial grid",
        "Every time of a field's long-form data must have the same grid points, equally spaced, inside the declared space, with every field observed; at least five time points are needed. The message names the first time or point that breaks the rule.";
    FIELD_SYSTEM = "E079", "invalid field system",
        "A field system (`system burgers(nu) { field u over x  u' = -u*u_x + nu*u_xx }`) gives every field one first-order equation whose right side uses its fields, their spatial derivatives up to the fourth order, the system's parameters, numbers and the math functions. Its parameters are given as constants in the `simulate` call.";
    FIELD_UNSUPPORTED = "E080", "not supported for fields",
        "Field models are fitted by least squares on denoised space-time derivatives with the `sindy` engine's selection (`threshold`, `rounds`, `threshold_scale` act as under `method = sindy`; that method is the one field models use, so writing `method = collocation` or `mnn` is refused). Neural terms, Hamiltonians, ordinary states or inputs beside fields, per-trajectory parameters and `validation` are not available for fields yet.";
    NETWORK_TOO_LARGE = "E066", "network too large for this method",
        "Neural terms `mlp(...)` train under `method = collocation`, where every weight is a dense unknown of the Gauss-Newton step: its cost grows with the cube of the number of weights, so the total weight count is limited (the message gives the count and the limit). This error comes only when `method = collocation` is written: with `method` left out, a model whose networks are over the limit trains by `mnn`, and `method = mnn` trains any size. The `sindy` method does not train neural terms. Write `method = mnn`, or use smaller hidden layers.";
    PLOT_SELECTION = "E082", "plot selection out of range",
        "`--plot-trajectories` names a trajectory the data do not have (trajectories are numbered from 1 in data order: CSV trajectory-column order, file order or simulation order). This is found once the data are loaded, before training. Give numbers up to the data's trajectory count, or a count (`--plot-trajectories 6`) to show that many spread evenly.";
    FIELD_EXPORT = "E083", "export format without spatial derivatives",
        "`mechc run --export` of a model with fields: the `numpy` and `julia` exports write a right side `rhs(t, state, ...)` that reads the state at one point, and a spatial derivative (`u_x`, `u_xx`, ...) is not a function of the state at one point, so they cannot express a field model. `latex` (the equations `u_t = ...` with derivatives as subscripts) and `sympy` (each field a function `u(t, x)`, derivatives as `sp.Derivative`) can. Refused before any work.";
    BOUNDARY = "E084", "invalid boundary condition",
        "A simulation on a bounded space (`space x in 0 .. 1`, no `periodic`) gives every field one boundary condition, applied at both ends: `boundary u = 0` holds the field's value there (Dirichlet), `boundary u_x = 0` its first spatial derivative (Neumann); the value is a constant number. A field without one, a field named twice, a name that is not a field or its first derivative, a non-constant value, or a `boundary` line in a simulation on a periodic space (which has no boundaries) or of ordinary states is refused.";
    BOUNDED_ORDER = "E085", "derivative order too high for a bounded simulation",
        "A simulation on a bounded space uses finite differences with ghost points beyond each end set by one boundary condition per field, which determine spatial derivatives up to the second order (`u_x`, `u_xx`). A system whose right side uses `u_xxx` or `u_xxxx` would need further boundary conditions; simulate it on a periodic space, or load its data from a CSV file.";
    UNUSED_PARAM = "W001", "unused parameter",
        "A parameter is declared but not used in any equation, so training cannot determine it. Use it or remove it.";
    DUPLICATE_TERM = "W002", "duplicate basis term",
        "A basis contains the same term twice (for example `x` from both `poly(x, degree = 1)` and `{x}`). Duplicate columns make the fit ill-conditioned; only the first copy is kept.";
    UNUSED_BASIS = "W003", "unused declaration",
        "A basis, constant or function of the model is declared but never used.";
    NO_EFFECT = "W004", "fit setting without effect",
        "The setting is valid but the chosen method does not read it: `collocation` (Gauss-Newton on a learned trajectory) and `sindy` (least squares of smoothed derivatives) train no windows, so `epochs`, `lr`, `window`, `stride`, `batch`, the row weights, `l1`, `init` and `device` act only under `method = mnn`; `seed` acts under `mnn`, and under the other methods with `ensemble` (the bootstrap's resamples); `threshold_scale` acts under `sindy` and `mnn` with a numeric `threshold`; `rule` and `substeps` act under `collocation`, and under `mnn` when a collocation fit runs (`init = collocation` or `threshold = auto`); `weight_decay` acts under `collocation` and `mnn`, the methods that train neural terms. A model with fields is fitted by the `sindy` engine without bootstrap refits: the settings `sindy` reads act there (`threshold`, `rounds`, `max_terms`, `verbose`, and `threshold_scale` with a numeric `threshold`), and every other one, `ensemble` and `seed` included, draws this warning. Remove the setting or choose the method that reads it; `mechc explain fit` lists which methods read each setting.";
    PARAM_AT_BOUND = "W005", "parameter at or near a bound",
        "A fitted parameter ended on one of its bounds, or so close that its 95% interval crosses it: the bound, not the data, set its value, and the data may want a value outside the bounds (a wrong model, or bounds that exclude the truth). The fit's other values are affected too. Widen the bounds, or check the model.";
    PARAM_NO_EFFECT = "W006", "parameter without effect on the fit",
        "A parameter's derivative is zero on every row of the data (it is not used, or only multiplied by zero), so the data cannot determine it. The fit holds it at its initial guess and reports that value; nothing else changes. Use it in an equation or remove it.";
    COLLINEAR_TERMS = "W007", "interchangeable candidate terms",
        "Candidate terms of one equation are linearly dependent on the data, to within the data's noise: one combination of them is (nearly) zero along every trajectory, often because of a conservation law (for example `s + i + r = 1` makes `1`, `s`, `i` and `r` interchangeable). The fit cannot tell them apart: coefficients can grow large with opposite signs and the selected terms depend on the noise. Remove one of the named terms with `exclude = {...}` in the basis, or drop a state the law determines.";
    CONFUSABLE = "W008", "look-alike identifier",
        "An identifier mixes scripts (Latin `x` beside Cyrillic `х`), contains invisible characters (zero-width joiners or spaces, bidirectional controls), or is another name's look-alike once normalised. Identifiers are compared in Unicode normal form C, so `é` typed as one character or as `e` plus an accent is the same name; use plain ASCII names where possible.";
    IMPORT_IGNORED = "W009", "declaration in an imported file ignored",
        "A `use`d file contributes only its functions, constants, systems and bases. Its `model` line, states, parameters, equations, `data` and `fit` declarations are ignored; move them into the model that uses the file.";
    ABSORBED_PARAM = "W010", "parameter a neural term can absorb",
        "A learnable parameter sits in a known term of an equation that also has an `mlp(...)` whose inputs include every variable the term depends on: the network can represent the term itself, so the data cannot separate the parameter from the network, and its fitted value is not a recovered value (the report marks it). Fix the parameter (write a number or a `const`), or take the variables it multiplies out of the network's inputs.";
    DECAY_WITHOUT_NETWORK = "W011", "weight decay without a neural term",
        "`fit { weight_decay }` is an L2 penalty on the weights of `mlp(...)` terms, and the model has none, so the setting has no effect. Remove it.";
    UNUSED_ENCODER = "W012", "encoder without parameters",
        "An `encoder` is declared but no parameter is declared `from` it, so nothing trains or uses it. Declare the parameters it gives (`param r per trajectory from enc in (0.1, 10)`) or remove it.";
    ENCODER_SETTING = "W013", "fit setting without effect on an encoder fit",
        "A model with an encoder trains the encoder, the shared parameters and the ODE layer on whole trajectories: `epochs`, `lr`, `batch`, `validation` (the fraction of trajectories held out), `seed` and the layer's row weights act, but there are no windows (`window`, `stride`), no sparse terms to threshold (`threshold`, `threshold_scale`, `rounds`, `l1`), no collocation start (`init`, `rule`, `substeps`) and no bootstrap refits (`ensemble`: the held-out trajectories' errors measure it instead). Remove the setting.";
    PROFILE_OFF_BOUNDARY = "W014", "initial profile off its held boundary value",
        "A field held at a value on a bounded space (`boundary u = c`) starts from its initial profile with the two end values replaced by `c`; this profile differs from `c` at an end by more than 1e-4 of its range (or of `|c|`, when the profile is flat). The field then starts with a jump next to the end: a boundary layer that the simulation resolves with many small steps and that the sampled data cannot resolve. Give a profile that meets the boundary value at both ends (for example `c + (profile - c)*sin(pi*(x - lo)/(hi - lo))`).";
    TRAVELLING_WAVE = "W016", "field data are a travelling wave",
        "The field only translates: `u_t = -c*u_x` (the speed `c` fitted) explains the data about as well as the equation found, within the data's noise and the derivatives' error. Every equation that has the observed profile as a travelling solution at that speed fits such data equally well (a lone KdV soliton is a solution of KdV and of plain advection), so no library or selection can tell them apart: the report keeps the sparsest model and names the other one (when the sparsest model is the translation itself, the sparsest model without the bare `u_x`). Fit data that separate them: waves of different speeds or shapes (two solitons of different heights), several initial profiles as trajectories, or a profile that changes shape.";
    PROFILE_NOT_PERIODIC = "W017", "initial profile not periodic",
        "On a periodic space a field's initial profile repeats every period, so its values at the two ends of the space must agree; this one jumps there by more than 1e-4 of its range. The jump is part of the simulated field: it sheds waves of every wavenumber, which a dispersive system such as KdV turns into fast, small ripples. The simulation then needs very small steps to resolve them, and their time derivatives are aliased in the sampled data. Add the profile's periodic images (`f(x) + f(x - L)`, L the period) or widen the space so that the profile has decayed at both ends.";
    COLLOCATION_START_SKIPPED = "W019", "no collocation start for large networks",
        "Under `method = mnn`, `init = collocation` and `threshold = auto` run a collocation fit first (the start, or the support of the sparse terms). The collocation engine does not train networks over its weight limit, so with such networks the MNN training starts from the smoothed data and its own network start (seeded Xavier hidden layers, least-squares last layers), and sparse blocks keep their whole library. Write `init = random` to silence this, or a numeric `threshold` to select terms by MNN's own rounds.";
    SCALING_PARAM = "W020", "parameter that only scales candidate terms",
        "A learnable parameter occurs only inside candidate terms of `sparse(...)`, and there only as a factor (`{k*x*y}`, `{x/k}`): each such term already has a coefficient of its own, which absorbs the parameter, so the data determine only their product. The fitted value is reported but is not a recovered value (the report marks it, with no standard error). Drop the parameter from the basis (the coefficient stands for it), or use it in a known term.";
}
