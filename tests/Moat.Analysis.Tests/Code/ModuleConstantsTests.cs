using Moat.Analysis.Code;

namespace Moat.Analysis.Tests.Code;

public class ModuleConstantsTests
{
    private static ModuleConstants Of(Dictionary<string, string> files) => new(path => files.GetValueOrDefault(path));

    [Fact]
    public void A_literal_is_read_through_a_package_re_export()
    {
        var constants = Of(new()
        {
            ["pkg/tables/__init__.py"] = "from .headers import P1, P2\n\n__all__ = (\"P1\",)\n",
            ["pkg/tables/headers.py"] = "import os\n\nP1 = [104, 105,\n      33]\nP2 = os.getcwd()\n",
        });
        var value = constants.Resolve("pkg/core.py", ".tables", "P1");
        Assert.NotNull(value);
        Assert.Equal(ValueKind.List, value.Kind);
        Assert.Equal([104L, 105L, 33L], value.Items!.Select(i => i.Int));
        // Not a literal: nothing is called to find out what it is.
        Assert.Null(constants.Resolve("pkg/core.py", ".tables", "P2"));
        Assert.Null(constants.Resolve("pkg/core.py", ".tables", "P3"));
    }

    [Fact]
    public void Relative_and_absolute_imports_name_the_same_module()
    {
        var constants = Of(new()
        {
            ["proj-1.0/pkg/names.py"] = "KEY = 'alpha' + 'bet'\n",
            ["proj-1.0/pkg/sub/use.py"] = "",
        });
        Assert.Equal("alphabet", constants.Resolve("proj-1.0/pkg/sub/use.py", "..names", "KEY")?.Text);
        Assert.Equal("alphabet", constants.Resolve("proj-1.0/pkg/sub/use.py", "pkg.names", "KEY")?.Text);
        Assert.Null(constants.Resolve("proj-1.0/pkg/sub/use.py", "other.names", "KEY"));
    }

    [Fact]
    public void A_re_export_cycle_ends()
    {
        var constants = Of(new()
        {
            ["pkg/a.py"] = "from .b import X\n",
            ["pkg/b.py"] = "from .a import X\n",
        });
        Assert.Null(constants.Resolve("pkg/main.py", ".a", "X"));
    }

    [Fact]
    public void Re_exports_are_followed_in_line_order_and_only_when_plain()
    {
        var constants = Of(new()
        {
            // KEY comes first from a module where it is not a literal, then from one where it is; ALIAS is bound by `as`;
            // a parenthesized list spans lines and ends with a comma.
            ["pkg/__init__.py"] = "from .computed import KEY\nfrom .tables import (\n    OTHER,\n    KEY,\n)\nfrom .tables import OTHER as ALIAS\n",
            ["pkg/computed.py"] = "import os\nKEY = os.getcwd()\n",
            ["pkg/tables.py"] = "KEY = 'k' * 2\nOTHER = (1, 2)\n",
        });
        Assert.Equal("kk", constants.Resolve("pkg/use.py", ".", "KEY")?.Text);
        Assert.Equal([1L, 2L], constants.Resolve("pkg/use.py", ".", "OTHER")!.Items!.Select(i => i.Int));
        Assert.Null(constants.Resolve("pkg/use.py", ".", "ALIAS"));
    }
}
