/// The release `tokend --version` prints. `make dist` (scripts/dist) stamps the bundle's
/// version into this line for its build and puts the line back afterwards; a development
/// build says `dev`.
let releaseVersion = "dev"
