using Rmote.TestRig;

namespace Rmote.MSBuild.Tests;

[CollectionDefinition("msbuild-ssh")]
public sealed class MsBuildSshCollection : ICollectionFixture<SshFleetFixture>, ICollectionFixture<PackedFeed> { }

[CollectionDefinition("msbuild-local")]
public sealed class MsBuildLocalCollection : ICollectionFixture<PackedFeed> { }

/// <summary>Tests that act on every build server of the user: run alone, after the parallel collections.</summary>
[CollectionDefinition("msbuild-solo", DisableParallelization = true)]
public sealed class MsBuildSoloCollection : ICollectionFixture<PackedFeed> { }
