using Rmote.TestRig;

namespace Rmote.Nuke.Tests;

/// <summary>
/// Tests that share the rig's three sshd hosts (started once for the collection), and every test that opens connections
/// through the tasks: they share the process's one connection pool, so one test's <c>RmoteDisconnect</c> would close
/// another's connection mid-call if they ran at once.
/// </summary>
[CollectionDefinition("ssh")]
public sealed class SshCollection : ICollectionFixture<SshFleetFixture>;
