//! The lienthong reporting service.
