package hep

// Test helpers for the external test package (hep_test).
var StalledCollector = stalledCollector
