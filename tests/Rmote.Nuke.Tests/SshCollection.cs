using Rmote.TestRig;

namespace Rmote.Nuke.Tests;

/// <summary>Tests that share the rig's three sshd hosts (started once for the collection).</summary>
[CollectionDefinition("ssh")]
public sealed class SshCollection : ICollectionFixture<SshFleetFixture>;
