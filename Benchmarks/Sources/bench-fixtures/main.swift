// Writes the benchmark data (see BenchFixtures) and prints where: the blob's path, then the
// corpus folder. Tools/bench.sh uses it so the command-line timings read the same files.
import BenchFixtures

let force = CommandLine.arguments.contains("--force")
BenchFixtures.makeBlob(force: force)
BenchFixtures.makeCorpus(force: force)
print(BenchFixtures.blobPath)
print(BenchFixtures.corpusPath)
