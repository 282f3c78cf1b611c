/** A worker handler module that kills its worker as it loads (the pool must give up, not loop). */
process.exit(7);
