/// The release `tokend --version` prints. `make dist` (scripts/dist) stamps the bundle's
/// version into this line for its build and puts the line back afterwards; a development
/// build says `dev`. Every build also says its commit (`buildCommit`, written by the
/// BuildCommit plugin): `dev (commit 1a2b3c4d5e6f-dirty)`.
let releaseVersion = "dev"
