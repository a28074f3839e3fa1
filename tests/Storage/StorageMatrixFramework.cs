using System.Reflection;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Moat.Testing;

/// <summary>
/// xunit's framework, except that when <see cref="TestStorage.SkipReason"/> says this assembly's storage is missing,
/// every test is reported skipped with that reason instead of run (xunit 2 has no skip decided at run time). The
/// PostgreSQL twins of the index and web test projects name it in an assembly attribute.
/// </summary>
public sealed class StorageMatrixFramework(IMessageSink messageSink) : XunitTestFramework(messageSink)
{
    protected override ITestFrameworkExecutor CreateExecutor(AssemblyName assemblyName) =>
        new Executor(assemblyName, SourceInformationProvider, DiagnosticMessageSink);

    private sealed class Executor(AssemblyName assemblyName, ISourceInformationProvider sourceInformationProvider, IMessageSink diagnosticMessageSink)
        : XunitTestFrameworkExecutor(assemblyName, sourceInformationProvider, diagnosticMessageSink)
    {
        protected override void RunTestCases(IEnumerable<IXunitTestCase> testCases, IMessageSink executionMessageSink, ITestFrameworkExecutionOptions executionOptions)
        {
            if (TestStorage.SkipReason is { } reason)
            {
                testCases = [.. testCases.Select(test => (IXunitTestCase)new XunitSkippedDataRowTestCase(
                    DiagnosticMessageSink, TestMethodDisplay.ClassAndMethod, TestMethodDisplayOptions.None, test.TestMethod, reason, test.TestMethodArguments))];
            }
            base.RunTestCases(testCases, executionMessageSink, executionOptions);
        }
    }
}
