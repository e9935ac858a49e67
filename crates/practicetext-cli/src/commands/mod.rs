//! One module per subcommand: each parses its arguments, calls the core and
//! prints JSON. No rule lives here.

pub mod phone;
pub mod replay;
pub mod secure;
