//! One module per subcommand: each parses its arguments, calls the core and
//! prints JSON. No rule lives here.

pub mod demo;
pub mod inbox;
pub mod phone;
pub mod replay;
pub mod secure;
pub mod webhook;
