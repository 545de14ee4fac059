package policy

// ReferenceResources exposes referenceResources to the external tests.
var ReferenceResources = (*Engine).referenceResources
