//! The lienthong tasks service.
