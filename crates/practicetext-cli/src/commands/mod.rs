//! One module per subcommand: each parses its arguments, calls the core and
//! prints JSON. No rule lives here.

pub mod broadcast;
pub mod check;
pub mod demo;
pub mod inbox;
pub mod keyword;
pub mod phone;
pub mod replay;
pub mod secure;
pub mod segments;
pub mod webhook;
