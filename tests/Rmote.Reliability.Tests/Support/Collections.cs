using Rmote.TestRig;

namespace Rmote.Reliability.Tests;

/// <summary>The shared 3-host fleet: tests in it run one after another and leave the hosts running.</summary>
[CollectionDefinition("ssh")]
public sealed class SshCollection : ICollectionFixture<SshFleetFixture> { }

/// <summary>Tests that measure process-wide memory (allocation deltas, peak RSS): they run alone, after the parallel ones.</summary>
[CollectionDefinition("alone", DisableParallelization = true)]
public sealed class AloneCollection { }
