package scenario

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// doc wraps body (which starts on line 2) in a <scenario> element.
func doc(body string) string { return "<scenario>\n" + body + "</scenario>\n" }

// infOpts are options with two injection files.
var infOpts = Options{InjectionFiles: []string{"data/users.csv", "other.csv"}}

// TestRefused proves that every misspelled or unsupported element,
// action, keyword, attribute value and regular expression construct is
// refused with its file and line.
func TestRefused(t *testing.T) {
	tests := []struct {
		name, body, want string
		is               error
	}{
		// elements
		{"misspelled element", inv + "<sned/>\n", "t.xml:3: unknown element <sned>", ErrUnknownElement},
		{"misspelled nested element", inv + "<recv response=\"200\">\n<acton/>\n</recv>\n", "t.xml:4: unknown element <acton>", ErrUnknownElement},
		{"element in init", "<init>\n<send/>\n</init>\n" + inv, "t.xml:3: <send> is not allowed in <init>, which holds only <nop> and <label>", ErrInvalid},
		{"misspelled default message", "<DefaultMessage id=\"by\"><![CDATA[BYE sip:x SIP/2.0]]></DefaultMessage>\n" + inv,
			`t.xml:2: attribute id="by" on <DefaultMessage>: want one of 3pcc_abort, ack, ack2, bye, cancel, 200`, ErrBadAttribute},
		{"action in a default message", "<DefaultMessage id=\"bye\"><![CDATA[BYE sip:x SIP/2.0]]>\n<action><trim assign_to=\"a\"/></action></DefaultMessage>\n" + inv,
			"t.xml:3: <DefaultMessage> cannot hold an <action>", ErrInvalid},
		{"sendCmd without message", inv + "<sendCmd>\n</sendCmd>\n", "t.xml:3: <sendCmd> has no message (put it in a CDATA section)", ErrSyntax},
		// actions
		{"misspelled action", inv + "<nop>\n<action>\n<assing assign_to=\"a\" value=\"1\"/>\n</action>\n</nop>\n", "t.xml:5: unknown action <assing>", ErrUnknownElement},
		{"child of an action", inv + "<nop><action>\n<log message=\"x\">\n<foo/></log></action></nop>\n", "t.xml:5: unknown element <foo>", ErrUnknownElement},
		{"ereg without regexp", inv + "<nop><action>\n<ereg assign_to=\"a\"/></action></nop>\n", "t.xml:4: <ereg> has no regexp attribute", ErrBadAttribute},
		{"ereg without assign_to", inv + "<nop><action>\n<ereg regexp=\"a\"/></action></nop>\n", "t.xml:4: <ereg> has no assign_to attribute", ErrBadAttribute},
		{"ereg misspelled search_in", inv + "<nop><action>\n<ereg regexp=\"a\" search_in=\"header\" assign_to=\"a\"/></action></nop>\n",
			`t.xml:4: attribute search_in="header" on <ereg>: want msg, hdr, body or var`, ErrBadAttribute},
		{"ereg hdr without header", inv + "<nop><action>\n<ereg regexp=\"a\" search_in=\"hdr\" assign_to=\"a\"/></action></nop>\n",
			`t.xml:4: search_in="hdr" on <ereg> needs a non-empty header attribute`, ErrBadAttribute},
		{"ereg var without variable", inv + "<nop><action>\n<ereg regexp=\"a\" search_in=\"var\" assign_to=\"a\"/></action></nop>\n",
			"t.xml:4: <ereg> has no variable attribute", ErrBadAttribute},
		{"ereg both checks", inv + "<nop><action>\n<ereg regexp=\"a\" check_it=\"true\" check_it_inverse=\"true\" assign_to=\"a\"/></action></nop>\n",
			"t.xml:4: <ereg> cannot have both check_it and check_it_inverse", ErrBadAttribute},
		{"ereg too many groups", inv + "<nop><action>\n<ereg regexp=\"a\" assign_to=\"a,b,c,d,e,f,g,h,i,j,k\"/></action></nop>\n",
			`t.xml:4: attribute assign_to="a,b,c,d,e,f,g,h,i,j,k" on <ereg>: at most 10 variables: the whole match and 9 groups`, ErrBadAttribute},
		{"ereg empty variable name", inv + "<nop><action>\n<ereg regexp=\"a\" assign_to=\"a,,b\"/></action></nop>\n",
			`t.xml:4: attribute assign_to="a,,b" on <ereg>: a variable name must not be empty`, ErrBadAttribute},
		{"regexp back-reference", inv + "<nop><action>\n<ereg regexp=\"(a)\\1\" assign_to=\"a\"/></action></nop>\n",
			`t.xml:4: regular expression regexp="(a)\\1" on <ereg>: unsupported construct: back-reference \1`, ErrUnsupported},
		{"regexp word start", inv + "<nop><action>\n<ereg regexp=\"\\&lt;ab\" assign_to=\"a\"/></action></nop>\n",
			`t.xml:4: regular expression regexp="\\<ab" on <ereg>: unsupported construct: \< (word start or end; \b may do)`, ErrUnsupported},
		{"regexp collating element", inv + "<nop><action>\n<ereg regexp=\"[[.a.]]\" assign_to=\"a\"/></action></nop>\n",
			`t.xml:4: regular expression regexp="[[.a.]]" on <ereg>: unsupported construct: collating element [.x.] in a bracket expression`, ErrUnsupported},
		{"regexp syntax", inv + "<nop><action>\n<ereg regexp=\"a{x\" assign_to=\"a\"/></action></nop>\n",
			`t.xml:4: regular expression regexp="a{x" on <ereg>: unmatched '{'`, ErrBadAttribute},
		{"regexp nothing to repeat", inv + "<nop><action>\n<ereg regexp=\"*a\" assign_to=\"a\"/></action></nop>\n",
			`t.xml:4: regular expression regexp="*a" on <ereg>: "*" has nothing to repeat`, ErrBadAttribute},
		{"regexp_match with a bad expression", "<recv request=\"(INVITE\" regexp_match=\"true\"/>\n",
			`t.xml:2: regular expression request="(INVITE" on <recv>: unmatched '('`, ErrBadAttribute},
		{"arithmetic without operand", inv + "<nop><action>\n<add assign_to=\"a\"/></action></nop>\n", "t.xml:4: <add> needs a value or a variable attribute", ErrBadAttribute},
		{"arithmetic with both operands", inv + "<nop><action>\n<assign assign_to=\"a\" value=\"1\" variable=\"b\"/></action></nop>\n",
			"t.xml:4: value and variable are mutually exclusive on <assign>", ErrBadAttribute},
		{"divide by zero", inv + "<nop><action>\n<divide assign_to=\"a\" value=\"0\"/></action></nop>\n",
			`t.xml:4: attribute value="0" on <divide>: a divide action cannot divide by zero`, ErrBadAttribute},
		{"bad number", inv + "<nop><action>\n<assign assign_to=\"a\" value=\"one\"/></action></nop>\n", `t.xml:4: attribute value="one" on <assign>: not a number`, ErrBadAttribute},
		{"gettimeofday one variable", inv + "<nop><action>\n<gettimeofday assign_to=\"s\"/></action></nop>\n",
			`t.xml:4: attribute assign_to="s" on <gettimeofday>: gettimeofday needs two variables: seconds,microseconds`, ErrBadAttribute},
		{"test misspelled compare", inv + "<nop><action>\n<test assign_to=\"r\" variable=\"a\" compare=\"equals\" value=\"1\"/></action></nop>\n",
			`t.xml:4: attribute compare="equals" on <test>: want equal, not_equal, greater_than, less_than, greater_than_equal or less_than_equal`, ErrBadAttribute},
		{"test without second operand", inv + "<nop><action>\n<test assign_to=\"r\" variable=\"a\" compare=\"equal\"/></action></nop>\n",
			"t.xml:4: <test> needs a value or a variable2 attribute", ErrBadAttribute},
		{"strcmp with value and variable2", inv + "<nop><action>\n<strcmp assign_to=\"r\" variable=\"a\" value=\"x\" variable2=\"b\"/></action></nop>\n",
			"t.xml:4: <strcmp> cannot have both value and variable2", ErrBadAttribute},
		{"test without assign_to or check_it", inv + "<nop><action>\n<test variable=\"a\" compare=\"equal\" value=\"1\"/></action></nop>\n",
			"t.xml:4: <test> has no assign_to attribute", ErrBadAttribute},
		{"exec without command", inv + "<nop><action>\n<exec comand=\"ls\"/></action></nop>\n",
			"t.xml:4: <exec> needs a command, int_cmd, play_pcap_audio, play_pcap_image, play_pcap_video, play_dtmf, rtp_stream or rtp_echo attribute", ErrBadAttribute},
		{"pcap from a missing -key", inv + "<nop><action>\n<exec play_pcap_audio=\"[pcap]\"/></action></nop>\n",
			`t.xml:4: attribute play_pcap_audio="[pcap]" on <exec>: looks like a -key value, but no such -key was given`, ErrBadAttribute},
		{"log without message", inv + "<nop><action>\n<log mesage=\"x\"/></action></nop>\n", "t.xml:4: <log> has no message attribute", ErrBadAttribute},
		{"sample without distribution", inv + "<nop><action>\n<sample assign_to=\"a\" mean=\"1\"/></action></nop>\n", "t.xml:4: <sample> needs a distribution attribute", ErrBadAttribute},
		{"sample missing parameter", inv + "<nop><action>\n<sample assign_to=\"a\" distribution=\"normal\" mean=\"1\"/></action></nop>\n",
			`t.xml:4: distribution="normal" on <sample> needs a stdev attribute`, ErrBadAttribute},
		{"variable name with $", inv + "<nop><action>\n<trim assign_to=\"$a\"/></action></nop>\n",
			`t.xml:4: attribute assign_to="$a" on <trim>: variable name "$a" must not contain '$' or ','`, ErrBadAttribute},
		// keywords
		{"misspelled keyword", "<send><![CDATA[INVITE sip:x SIP/2.0\nX: [last_cseq_nuber]\nY: [cal_id]\n]]></send>\n",
			"t.xml:4: unknown keyword [cal_id]", ErrUnknownKeyword},
		{"misspelled keyword in an action", inv + "<nop><action>\n<log message=\"[calid]\"/></action></nop>\n", "t.xml:4: unknown keyword [calid]", ErrUnknownKeyword},
		{"field from another file", "<send><![CDATA[INVITE sip:x SIP/2.0\nX: [field1 file=\"nope.csv\"]\n]]></send>\n",
			`t.xml:3: keyword [field1]: file="nope.csv" is not one of the -inf or -rxinf files (users.csv, other.csv)`, ErrInvalid},
		{"file without name", "<send><![CDATA[INVITE sip:x SIP/2.0\nX: [file]\n]]></send>\n", "t.xml:3: keyword [file] needs a name= parameter", ErrSyntax},
		{"fill without variable", "<send><![CDATA[INVITE sip:x SIP/2.0\nX: [fill text=\"ab\"]\n]]></send>\n",
			"t.xml:3: keyword [fill] needs a variable= parameter: a variable name must not be empty", ErrSyntax},
		// attributes
		{"chance out of range", inv + "<label id=\"a\"/>\n<nop next=\"a\" chance=\"1.5\"/>\n", `t.xml:4: attribute chance="1.5" on <nop>: a probability from 0 to 1`, ErrBadAttribute},
		{"next label in init", "<init>\n<nop next=\"x\"/>\n</init>\n<label id=\"x\"/>\n" + inv, `t.xml:3: next="x" names a label that is not defined in <init>`, ErrUnknownLabel},
		{"response not a code", inv + "<recv response=\"2xx\"/>\n", `t.xml:3: attribute response="2xx" on <recv>: not a status code (100-699)`, ErrBadAttribute},
		{"advance_state on a mandatory recv", inv + "<recv response=\"200\" advance_state=\"false\"/>\n", `t.xml:3: advance_state="false" is only allowed on optional <recv>`, ErrBadAttribute},
		{"pause parameter missing", inv + "<pause distribution=\"weibull\" lambda=\"3\"/>\n", `t.xml:3: distribution="weibull" on <pause> needs a k attribute`, ErrBadAttribute},
		{"pause sanity check", inv + "<pause distribution=\"exponential\" mean=\"1e9\"/>\n",
			"t.xml:3: the distribution Exp(1000000000.000000) on <pause> has a 99th percentile of 4605170186 ms, above 2^31-1 ms (choose other parameters, or sanity_check=\"false\")", ErrBadAttribute},
		{"old style pause", inv + "<pause normal=\"yes\" mean=\"10\"/>\n", `t.xml:3: distribution="normal" on <pause> needs a stdev attribute`, ErrBadAttribute},
		// transactions
		{"ACK starts a transaction", "<send start_txn=\"t\"><![CDATA[ACK sip:x SIP/2.0]]></send>\n", "t.xml:2: an ACK cannot start a transaction (start_txn)", ErrBadAttribute},
		{"ack_txn on a request", "<send ack_txn=\"t\"><![CDATA[BYE sip:x SIP/2.0]]></send>\n", "t.xml:2: ack_txn is only for ACK messages", ErrBadAttribute},
		{"transaction never answered", "<send start_txn=\"t\"><![CDATA[OPTIONS sip:x SIP/2.0]]></send>\n<recv response=\"200\"/>\n",
			`t.xml:2: transaction "t" has no response_txn <recv>`, ErrInvalid},
		{"INVITE transaction without ACK", "<send start_txn=\"i\"><![CDATA[INVITE sip:x SIP/2.0]]></send>\n<recv response=\"200\" response_txn=\"i\"/>\n",
			`t.xml:2: transaction "i" is an INVITE transaction without an ack_txn ACK`, ErrInvalid},
		{"response to a transaction never started", inv + "<recv response=\"200\" response_txn=\"x\"/>\n", `t.xml:3: transaction "x" is never started (no start_txn)`, ErrInvalid},
		// variables
		{"bad Global list", "<Global variables=\"a,\"/>\n" + inv, `t.xml:2: attribute variables="a," on <Global>: empty variable name`, ErrBadAttribute},
		{"condexec with comma", inv + "<nop condexec=\"a,b\"/>\n", `t.xml:3: attribute condexec="a,b" on <nop>: variable name "a,b" must not contain '$' or ','`, ErrBadAttribute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkRefused(t, infOpts, doc(tt.body), tt.want, tt.is)
		})
	}
}

// TestUnknownAttributes proves that an attribute SIPp does not know, on
// any element or action, is a warning with file and line, and that
// attributes SIPp knows but ignores say why.
func TestUnknownAttributes(t *testing.T) {
	body := `<Global variables="g" colour="red"/>
<init>
  <nop hidden="true">
    <action><assign assign_to="g" value="1" valeu="2"/></action>
  </nop>
</init>
<send start_tx="t"><![CDATA[INVITE sip:x SIP/2.0]]></send>
<recv response="200" optinal="true">
  <action speed="9">
    <ereg regexp="a" assign_to="x" header="To:" chek_it="true"/>
    <exec int_cmd="stop_call" comand="x"/>
  </action>
</recv>
<sendCmd dst="b"><![CDATA[Call-ID: [call_id]]]></sendCmd>
<recvCmd sorce="b"/>
<pause distribution="uniform" min="1" max="2" mean="3"/>
<nop test="x" display="[$g]"/>
<label id="l" nxt="x"/>
`
	sc, err := Parse([]byte(doc(body)), "w.xml")
	if err != nil {
		t.Fatal(err)
	}
	checkWarnings(t, sc, []string{
		`w.xml:2: unknown attribute "colour" on <Global>`,
		`w.xml:5: unknown attribute "valeu" on <assign>`,
		`w.xml:4: unknown attribute "hidden" on <nop>`,
		`w.xml:8: unknown attribute "start_tx" on <send>`,
		`w.xml:10: unknown attribute "speed" on <action>`,
		`w.xml:11: attribute "header" on <ereg> is ignored: it only applies with search_in="hdr"`,
		`w.xml:11: unknown attribute "chek_it" on <ereg>`,
		`w.xml:12: unknown attribute "comand" on <exec>`,
		`w.xml:9: unknown attribute "optinal" on <recv>`,
		`w.xml:15: unknown attribute "dst" on <sendCmd>`,
		`w.xml:16: unknown attribute "sorce" on <recvCmd>`,
		`w.xml:17: unknown attribute "mean" on <pause>`,
		`w.xml:18: attribute "test" on <nop> is ignored: it only applies with next=`,
		`w.xml:19: unknown attribute "nxt" on <label>`,
		`w.xml:11: variable "x" is referenced only once (SIPp refuses such a scenario; <Reference variables="x"/> silences this)`,
	})
}

// TestCheck proves that each construct the engine must implement appears
// in Uses with its line, and that Check refuses it with file and line
// when the engine does not support it.
func TestCheck(t *testing.T) {
	tests := []struct {
		feature Feature
		body    string
		want    string // Check's error with nothing supported
	}{
		{FeatureInit, "<init>\n<nop/>\n</init>\n" + inv, "t.xml:2: element <init> is not supported yet"},
		{FeatureDefaultMessage, inv + "<DefaultMessage id=\"bye\"><![CDATA[BYE sip:x SIP/2.0]]></DefaultMessage>\n", "t.xml:3: element <DefaultMessage> is not supported yet"},
		{FeatureGlobalVars, "<Global variables=\"g\"/>\n" + inv, "t.xml:2: element <Global> is not supported yet"},
		{FeatureUserVars, "<User variables=\"u\"/>\n" + inv, "t.xml:2: element <User> is not supported yet"},
		{FeatureSendCmd, inv + "<sendCmd><![CDATA[Call-ID: [call_id]]]></sendCmd>\n", "t.xml:3: element <sendCmd> is not supported yet"},
		{FeatureRecvCmd, "<recvCmd src=\"m\"/>\n" + inv, "t.xml:2: element <recvCmd> is not supported yet"},
		{FeatureUnexpectedJump, inv + "<label id=\"_unexp.main\"/>\n<nop/>\n", `t.xml:3: label "_unexp.main" is not supported yet`},
		{FeatureTest, inv + "<label id=\"a\"/>\n<nop next=\"a\" test=\"v\"/>\n", "t.xml:4: attribute test is not supported yet"},
		{FeatureChance, inv + "<label id=\"a\"/>\n<nop next=\"a\" chance=\"0.5\"/>\n", "t.xml:4: attribute chance is not supported yet"},
		{FeatureCondExec, inv + "<nop condexec=\"v\" condexec_inverse=\"true\"/>\n", "t.xml:3: attribute condexec is not supported yet"},
		{FeatureLost, "<send lost=\"10\"><![CDATA[INVITE sip:x SIP/2.0]]></send>\n", "t.xml:2: attribute lost is not supported yet"},
		{FeatureTransactions, "<send start_txn=\"o\"><![CDATA[OPTIONS sip:x SIP/2.0]]></send>\n<recv response=\"200\" response_txn=\"o\"/>\n",
			"t.xml:2: transactions (start_txn, ack_txn, response_txn) is not supported yet"},
		{FeatureRegexpMatch, "<recv request=\"INVITE|OPTIONS\" regexp_match=\"true\"/>\n", "t.xml:2: attribute regexp_match is not supported yet"},
		{FeatureAuth, inv + "<recv response=\"401\" auth=\"true\"/>\n", "t.xml:3: attribute auth is not supported yet"},
		{FeatureOptionalGlobal, inv + "<recv request=\"BYE\" optional=\"global\"/>\n<recv response=\"200\"/>\n", `t.xml:3: optional="global" is not supported yet`},
		{FeatureNoAdvanceState, inv + "<recv response=\"100\" optional=\"true\" advance_state=\"false\"/>\n<recv response=\"200\"/>\n", `t.xml:3: advance_state="false" is not supported yet`},
		{FeaturePauseDistribution, inv + "<pause distribution=\"uniform\" min=\"1\" max=\"5\"/>\n", "t.xml:3: pause distribution=uniform is not supported yet"},
		{FeaturePauseVariable, inv + "<pause variable=\"d\"/>\n", "t.xml:3: pause variable is not supported yet"},
		{ActionFeature(ActionEreg), inv + "<nop><action>\n<ereg regexp=\"a\" assign_to=\"x\"/></action></nop>\n", "t.xml:4: action <ereg> is not supported yet"},
		{ActionFeature(ActionPlayPcap), inv + "<nop><action>\n<exec play_pcap_audio=\"g711a.pcap\"/></action></nop>\n", "t.xml:4: action <exec play_pcap_audio> is not supported yet"},
		{ActionFeature(ActionMedia), inv + "<nop><action>\n<exec rtp_stream=\"pause\"/></action></nop>\n", "t.xml:4: action <exec rtp_stream> is not supported yet"},
		{ActionFeature(ActionIntCmd), inv + "<nop><action>\n<exec int_cmd=\"stop_now\"/></action></nop>\n", "t.xml:4: action <exec int_cmd> is not supported yet"},
		{OpFeature(OpField), "<send><![CDATA[INVITE sip:[field0] SIP/2.0]]></send>\n", "t.xml:2: keyword [field0] is not supported yet"},
		{OpFeature(OpAuth), "<send><![CDATA[INVITE sip:x SIP/2.0\n[authentication username=a password=b]]]></send>\n", "t.xml:3: keyword [authentication] is not supported yet"},
		{OpFeature(OpCrypto), "<send><![CDATA[INVITE sip:x SIP/2.0\n\na=crypto:[cryptotag1audio]]]></send>\n", "t.xml:4: keyword [cryptotag1audio] is not supported yet"},
	}
	all := func(Feature) bool { return true }
	none := func(Feature) bool { return false }
	for _, tt := range tests {
		t.Run(tt.feature.String(), func(t *testing.T) {
			sc, err := infOpts.Parse([]byte(doc(tt.body)), "t.xml")
			if err != nil {
				t.Fatal(err)
			}
			if !sc.UsesFeature(tt.feature) {
				t.Errorf("Uses %v lacks %v", sc.Uses, tt.feature)
			}
			if err := sc.Check(all); err != nil {
				t.Errorf("Check(all) = %v", err)
			}
			err = sc.Check(none)
			if err == nil || err.Error() != tt.want || !errors.Is(err, ErrUnsupported) {
				t.Errorf("Check(none) = %v, want %q", err, tt.want)
			}
			err = sc.Check(func(f Feature) bool { return f != tt.feature })
			if err == nil || !strings.Contains(err.Error(), "not supported yet") {
				t.Errorf("Check(all but %v) = %v", tt.feature, err)
			}
		})
	}
	// Every action kind and every new keyword has a feature and a name.
	for k := ActionEreg; k < actionKindCount; k++ {
		if got, ok := ActionFeature(k).Action(); !ok || got != k || strings.HasPrefix(ActionFeature(k).String(), "Feature(") {
			t.Errorf("ActionFeature(%v) = %v", k, ActionFeature(k))
		}
	}
	for k := firstNewOp; k < opKindCount; k++ {
		if got, ok := OpFeature(k).Op(); !ok || got != k || strings.Contains(OpFeature(k).String(), "OpKind(") {
			t.Errorf("OpFeature(%v) = %v", k, OpFeature(k))
		}
	}
	// The built-ins that gossip ran before use nothing new.
	for _, name := range []string{"uac", "uas"} {
		sc, _ := Builtin(name)
		if len(sc.Uses) != 0 {
			t.Errorf("%s uses %v", name, sc.Uses)
		}
	}
}

func TestActions(t *testing.T) {
	body := `<Global variables="limit"/>
<recv request="INVITE">
  <action>
    <ereg regexp="Digest .*username=&quot;([^&quot;]*)&quot;" search_in="hdr" header="Authorization:" case_indep="true"
          occurence="2" start_line="true" check_it="true" assign_to="junk,user"/>
    <ereg regexp="^v=0" search_in="body" check_it_inverse="1" assign_to="sdp"/>
    <ereg regexp="@(.*)" search_in="var" variable="user" assign_to="_,host"/>
    <log message="From [last_From:] user [$user]"/>
    <warning message="careful"/>
    <error message="fatal \x41"/>
    <exec command="echo [call_id] >> ids"/>
    <exec int_cmd="stop_gracefully"/>
    <exec int_cmd="bogus"/>
    <exec play_pcap_audio="[pcap]"/>
    <exec rtp_stream="file.wav,2,8"/>
    <rtp_echo value="1"/>
    <jump value="6"/>
    <jump variable="_unexp.retaddr"/>
    <pauserestore variable="_unexp.pausedaddr"/>
    <gettimeofday assign_to="sec,usec"/>
    <setdest host="[$host]" port="5062" protocol="udp"/>
    <closecon/>
    <verifyauth assign_to="ok" username="[$user]" password="[field3 line=&quot;[$line]&quot;]"/>
    <lookup assign_to="line" file="users.csv" key="[$user]"/>
    <insert file="users.csv" value="[$user];x"/>
    <replace file="users.csv" line="[$line]" value="y"/>
    <assign assign_to="n" value="1.5"/>
    <assignstr assign_to="s" value="  [$user]  "/>
    <index assign_to="idx"/>
    <sample assign_to="r" distribution="uniform" min="1" max="3"/>
    <todouble assign_to="d" variable="s"/>
    <add assign_to="n" value="2"/>
    <subtract assign_to="n" variable="d"/>
    <multiply assign_to="n" value="4"/>
    <divide assign_to="n" variable="limit"/>
    <test assign_to="big" variable="n" compare="greater_than_equal" value="10"/>
    <test check_it="true" variable="n" compare="less_than" variable2="limit"/>
    <strcmp assign_to="same" variable="user" value="alice"/>
    <strcmp check_it_inverse="true" variable="user" variable2="host"/>
    <urlencode variable="s"/>
    <urldecode variable="s"/>
    <trim assign_to="s"/>
  </action>
</recv>
<send><![CDATA[SIP/2.0 200 OK
X: [$junk][$sdp][$_][$ok][$idx][$r][$big][$same][$sec][$usec]]]></send>
`
	opts := Options{InjectionFiles: []string{"users.csv"}, Keys: map[string]string{"pcap": "g711a.pcap"}}
	sc, err := opts.Parse([]byte(doc(body)), "a.xml")
	if err != nil {
		t.Fatal(err)
	}
	acts := sc.Commands[0].Actions
	v := func(id VarID) string { return sc.Vars.Name(id) }
	kinds := []ActionKind{ActionEreg, ActionEreg, ActionEreg, ActionLog, ActionWarning, ActionError, ActionExec, ActionIntCmd, ActionIntCmd,
		ActionPlayPcap, ActionMedia, ActionMedia, ActionJump, ActionJump, ActionPauseRestore, ActionGetTimeOfDay, ActionSetDest, ActionCloseCon,
		ActionVerifyAuth, ActionLookup, ActionInsert, ActionReplace, ActionAssign, ActionAssignStr, ActionIndex, ActionSample,
		ActionToDouble, ActionAdd, ActionSubtract, ActionMultiply, ActionDivide, ActionTest, ActionTest, ActionStrcmp, ActionStrcmp,
		ActionURLEncode, ActionURLDecode, ActionTrim}
	var got []ActionKind
	for _, a := range acts {
		got = append(got, a.Kind)
	}
	if !slices.Equal(got, kinds) {
		t.Fatalf("kinds\n got %v\nwant %v", got, kinds)
	}
	a := acts[0]
	if a.SearchIn != SearchHdr || a.Header != "Authorization:" || !a.CaseIndep || a.Occurrence != 2 || !a.StartLine || !a.CheckIt ||
		v(a.AssignTo) != "junk" || len(a.SubVars) != 1 || v(a.SubVars[0]) != "user" || a.Line != 5 || a.RegexpText != `Digest .*username="([^"]*)"` {
		t.Errorf("ereg hdr: %+v", a)
	}
	if m := a.Regexp.FindStringSubmatch(`Digest realm="x", username="bob", nonce="1"`); len(m) != 2 || m[1] != "bob" {
		t.Errorf("ereg hdr regexp matches %q", m)
	}
	if a := acts[1]; a.SearchIn != SearchBody || !a.CheckItInverse || a.CheckIt || a.Regexp.MatchString("x\nv=0") {
		t.Errorf("ereg body: %+v (^ must anchor at the start of the text only)", a)
	}
	if a := acts[2]; a.SearchIn != SearchVar || v(a.Var) != "user" || v(a.SubVars[0]) != "host" {
		t.Errorf("ereg var: %+v", a)
	}
	if got := acts[3].Message.String(); got != "From [last_From:] user [$user]" {
		t.Errorf("log message %q", got)
	}
	if got := acts[5].Message.String(); got != "fatal A" {
		t.Errorf("error message %q", got)
	}
	if acts[6].Message.String() != "echo [call_id] >> ids" || acts[7].IntCmd != IntCmdStopGracefully || acts[8].IntCmd != IntCmdStopCall {
		t.Errorf("exec: %+v %+v %+v", acts[6], acts[7], acts[8])
	}
	if a := acts[9]; a.Media != "play_pcap_audio" || a.MediaArg != "g711a.pcap" {
		t.Errorf("pcap: %+v", a)
	}
	if a := acts[10]; a.Media != "rtp_stream" || a.MediaArg != "file.wav,2,8" {
		t.Errorf("rtp_stream: %+v", a)
	}
	if a := acts[11]; a.Media != "<rtp_echo>" || a.Value != 1 {
		t.Errorf("rtp_echo: %+v", a)
	}
	if acts[12].Value != 6 || acts[12].Var != NoVar || v(acts[13].Var) != "_unexp.retaddr" || v(acts[14].Var) != "_unexp.pausedaddr" {
		t.Errorf("jump/pauserestore: %+v %+v %+v", acts[12], acts[13], acts[14])
	}
	if sc.UnexpectedRetAddr != acts[13].Var || sc.UnexpectedPausedAddr != acts[14].Var {
		t.Errorf("_unexp variables %d %d", sc.UnexpectedRetAddr, sc.UnexpectedPausedAddr)
	}
	if a := acts[15]; v(a.AssignTo) != "sec" || v(a.SubVars[0]) != "usec" {
		t.Errorf("gettimeofday: %+v", a)
	}
	argStrings := func(a Action) []string {
		var s []string
		for _, t := range a.Args {
			s = append(s, t.String())
		}
		return s
	}
	if got := argStrings(acts[16]); !slices.Equal(got, []string{"[$host]", "5062", "udp"}) {
		t.Errorf("setdest args %q", got)
	}
	if got := argStrings(acts[18]); v(acts[18].AssignTo) != "ok" || !slices.Equal(got, []string{"[$user]", `[field3 file="users.csv" line="[$line]"]`}) {
		t.Errorf("verifyauth args %q", got)
	}
	if got := argStrings(acts[19]); !slices.Equal(got, []string{"users.csv", "[$user]"}) || v(acts[19].AssignTo) != "line" {
		t.Errorf("lookup args %q", got)
	}
	if got := argStrings(acts[20]); !slices.Equal(got, []string{"users.csv", "[$user];x"}) {
		t.Errorf("insert args %q", got)
	}
	if got := argStrings(acts[21]); !slices.Equal(got, []string{"users.csv", "[$line]", "y"}) {
		t.Errorf("replace args %q", got)
	}
	if a := acts[22]; v(a.AssignTo) != "n" || a.Value != 1.5 {
		t.Errorf("assign: %+v", a)
	}
	if a := acts[23]; a.Message.String() != "  [$user]  " {
		t.Errorf("assignstr keeps blanks: %q", a.Message.String())
	}
	if a := acts[25]; a.Dist == nil || a.Dist.Kind != DistUniform || a.Dist.Min != 1 || a.Dist.Max != 3 {
		t.Errorf("sample: %+v", a)
	}
	if a := acts[26]; v(a.AssignTo) != "d" || v(a.Var) != "s" {
		t.Errorf("todouble: %+v", a)
	}
	if a := acts[29]; a.Value != 4 || acts[30].Var == NoVar || v(acts[30].Var) != "limit" {
		t.Errorf("multiply/divide: %+v %+v", a, acts[30])
	}
	if a := acts[31]; v(a.AssignTo) != "big" || a.Compare != CompareGreaterOrEqual || a.Value != 10 || a.Var2 != NoVar {
		t.Errorf("test: %+v", a)
	}
	if a := acts[32]; a.AssignTo != NoVar || !a.CheckIt || a.Compare != CompareLess || v(a.Var2) != "limit" {
		t.Errorf("test check_it: %+v", a)
	}
	if a := acts[33]; v(a.AssignTo) != "same" || a.String != "alice" || a.Var2 != NoVar {
		t.Errorf("strcmp: %+v", a)
	}
	if a := acts[34]; a.AssignTo != NoVar || !a.CheckItInverse || v(a.Var2) != "host" {
		t.Errorf("strcmp check_it_inverse: %+v", a)
	}
	for _, a := range acts[35:] {
		if v(a.AssignTo) != "s" {
			t.Errorf("%v: %+v", a.Kind, a)
		}
	}
	// "limit" is Global: the same name everywhere is the global.
	if id := sc.Vars.Resolve("limit"); sc.Vars.List[id].Scope != ScopeGlobal || acts[30].Var != id {
		t.Errorf("limit resolves to %+v", sc.Vars.List[id])
	}
	// int_cmd="bogus" is stop_call with a warning.
	found := false
	for _, w := range sc.Warnings {
		found = found || strings.Contains(w.Msg, `int_cmd="bogus"`)
	}
	if !found {
		t.Errorf("no warning for int_cmd=bogus: %v", sc.Warnings)
	}
}

func TestKeywords(t *testing.T) {
	text := "INVITE sip:[remote_host]:[remote_port-2] SIP/2.0\n" +
		"A: [server_ip] [auto_media_port+2] [rtpstream_audio_port+1] [rtpstream_video_port] [cryptotag1audio] [ueaescm128sha1322video]\n" +
		"B: [dynamic_id] [msg_index] [next_url] [last_Request_URI] [last_cseq_number+1] [tdmmap] [clock_tick]\n" +
		"C: [users] [userid] [timestamp] [date] [sipp_version] [cseq+1]\n" +
		"D: [$caller] [$caller-1] [fill variable=size text=\"ab\"] [fill variable=size]\n" +
		"E: [field2] [field1 file=\"other.csv\" line=\"[$n]\"] [field0 line=7] [field10 file=0x75736572732e637376]\n" +
		"F: [file name=\"/tmp/[$n].txt\"] [file name=body.txt]\n" +
		"[authentication]\n" +
		"[authentication username=\"[$caller]\" password=secret aka_K=0x0102 aka_OP=\"op\" aka_AMF=amf]\n"
	sc, err := infOpts.Parse([]byte(doc("<send><![CDATA["+text+"]]></send>\n")), "k.xml")
	if err != nil {
		t.Fatal(err)
	}
	ops := sc.Commands[0].Message.Ops
	var kw []Op
	for _, o := range ops {
		if o.Kind != OpLiteral {
			kw = append(kw, o)
		}
	}
	want := []string{"[remote_host]", "[remote_port-2]",
		"[server_ip]", "[auto_media_port+2]", "[rtpstream_audio_port+1]", "[rtpstream_video_port]", "[cryptotag1audio]", "[ueaescm128sha1322video]",
		"[dynamic_id]", "[msg_index]", "[next_url]", "[last_Request_URI]", "[last_cseq_number+1]", "[tdmmap]", "[clock_tick]",
		"[users]", "[userid]", "[timestamp]", "[date]", "[sipp_version]", "[cseq+1]",
		"[$caller]", "[$caller-1]", `[fill variable="size" text="ab"]`, `[fill variable="size" text="X"]`,
		`[field2 file="users.csv"]`, `[field1 file="other.csv" line="[$n]"]`, `[field0 file="users.csv" line="7"]`, `[field10 file="users.csv"]`,
		`[file name="/tmp/[$n].txt"]`, `[file name="body.txt"]`,
		"[authentication]", `[authentication username="[$caller]" password="secret" aka_K="\x01\x02" aka_OP="op" aka_AMF="amf"]`,
	}
	var got []string
	for _, o := range kw {
		got = append(got, o.String())
	}
	if !slices.Equal(got, want) {
		t.Fatalf("keywords\n got %q\nwant %q", got, want)
	}
	kinds := []OpKind{OpRemoteHost, OpRemotePort, OpServerIP, OpAutoMediaPort, OpRTPStreamAudioPort, OpRTPStreamVideoPort, OpCrypto, OpCrypto,
		OpDynamicID, OpMsgIndex, OpNextURL, OpLastRequestURI, OpLastCSeqNumber, OpTDMMap, OpClockTick,
		OpUsers, OpUserID, OpTimestamp, OpDate, OpSippVersion, OpCSeq, OpVar, OpVar, OpFill, OpFill,
		OpField, OpField, OpField, OpField, OpFile, OpFile, OpAuth, OpAuth}
	for i, k := range kinds {
		if kw[i].Kind != k {
			t.Errorf("op %d (%s) kind %v, want %v", i, got[i], kw[i].Kind, k)
		}
	}
	caller := sc.Vars.Lookup("caller", ScopeCall)
	if kw[21].Var != caller || kw[22].Var != caller || kw[22].Offset != -1 || kw[23].Var != sc.Vars.Lookup("size", ScopeCall) || string(kw[24].Lit) != "X" {
		t.Errorf("variables: %+v %+v %+v", kw[21], kw[23], kw[24])
	}
	// [field10 file=0x...] is hex for "users.csv" (a name the default
	// also picks, so the hex form checks out).
	if kw[25].Field != 2 || kw[25].Line != nil || kw[26].Field != 1 || kw[26].File != "other.csv" || kw[28].Field != 10 || kw[28].File != "users.csv" {
		t.Errorf("fields: %+v %+v %+v", kw[25], kw[26], kw[28])
	}
	auth := kw[32].Auth
	if kw[31].Auth == nil || kw[31].Auth.Username != nil || auth.Username.Ops[0].Kind != OpVar || auth.Password.String() != "secret" {
		t.Errorf("authentication: %+v %+v", kw[31].Auth, auth)
	}
	if sc.Vars.Call != 3 || sc.Vars.List[caller].Refs != 3 {
		t.Errorf("vars %+v", sc.Vars)
	}
	for i, u := range sc.Uses {
		if u.Line < 2 || u.Line > 10 || (i > 0 && u.Line < sc.Uses[i-1].Line) {
			t.Errorf("use %d %+v", i, u)
		}
	}
	if !sc.UsesFeature(OpFeature(OpDate)) || !sc.UsesFeature(OpFeature(OpAuth)) || sc.UsesFeature(OpFeature(OpCSeq)) {
		t.Errorf("uses %v", sc.Uses)
	}
}

func TestKeywordParam(t *testing.T) {
	for _, tt := range []struct{ kw, param, want string }{
		{`field0 file="a b.csv" line=3`, "file=", "a b.csv"},
		{`field0 file="a b.csv" line=3`, "line=", "3"},
		{`field0 line="[$l]"`, "line=", "[$l]"},
		{`x text="q\"uo\\te"`, "text=", `q"uo\te`},
		{`x k=0x41420`, "k=", "AB\x00"},
		{`x k=plain`, "k=", "plain"},
		{`x k=`, "k=", ""},
		{`x k="unterminated`, "k=", "unterminated"},
	} {
		if got, ok := keywordParam(tt.kw, tt.param); !ok || got != tt.want {
			t.Errorf("keywordParam(%q, %q) = %q, %v; want %q", tt.kw, tt.param, got, ok, tt.want)
		}
	}
	if _, ok := keywordParam("field0", "file="); ok {
		t.Error("absent parameter found")
	}
}

func TestVariables(t *testing.T) {
	body := `<Global variables="g,shared"/>
<User variables="u,g"/>
<send><![CDATA[INVITE sip:[$u]@[$g] SIP/2.0
X: [$c1]]]></send>
<recv response="200">
  <action>
    <ereg regexp="x" assign_to="c1"/>
    <assign assign_to="c2" value="1"/>
  </action>
</recv>
<nop condexec="c2" display="[$u]"/>
<Reference variables="shared"/>
<nop><action><log message="[$never]"/><log message="[$never]"/></action></nop>
<nop><action><assign assign_to="once" value="1"/></action></nop>
`
	sc, err := Parse([]byte(doc(body)), "v.xml")
	if err != nil {
		t.Fatal(err)
	}
	vs := &sc.Vars
	if vs.Global != 2 || vs.User != 1 || vs.Call != 4 {
		t.Fatalf("slots global %d user %d call %d", vs.Global, vs.User, vs.Call)
	}
	check := func(name string, scope Scope, slot, refs int) {
		t.Helper()
		id := vs.Resolve(name)
		if id == NoVar {
			t.Errorf("%s not found", name)
			return
		}
		v := vs.List[id]
		if v.Scope != scope || v.Slot != slot || v.Refs != refs || v.Name != name {
			t.Errorf("%s = %+v, want scope %v slot %d refs %d", name, v, scope, slot, refs)
		}
	}
	check("g", ScopeGlobal, 0, 3) // declared Global, named in <User>, used once
	check("shared", ScopeGlobal, 1, 2)
	check("u", ScopeUser, 0, 2)
	check("c1", ScopeCall, 0, 2)
	check("c2", ScopeCall, 1, 2)
	check("never", ScopeCall, 2, 2)
	check("once", ScopeCall, 3, 1)
	if vs.Lookup("g", ScopeUser) != NoVar || vs.Lookup("u", ScopeUser) == NoVar || vs.Resolve("nothing") != NoVar || vs.Name(NoVar) != "" {
		t.Error("Lookup/Resolve/Name")
	}
	checkWarnings(t, sc, []string{
		`v.xml:14: variable "never" is used but never set`,
		`v.xml:15: variable "once" is referenced only once (SIPp refuses such a scenario; <Reference variables="once"/> silences this)`,
	})
	if c := sc.Commands[2]; c.CondExec != vs.Resolve("c2") || c.CondExecInverse {
		t.Errorf("condexec: %+v", c)
	}
	if !sc.UsesFeature(FeatureGlobalVars) || !sc.UsesFeature(FeatureUserVars) {
		t.Errorf("uses %v", sc.Uses)
	}

	// An out-of-call scenario shares the main one's Global and User
	// variables, slots included.
	ooc := `<recv request="OPTIONS"><action><assign assign_to="shared" value="2"/><assign assign_to="mine" value="1"/></action></recv>
<send><![CDATA[SIP/2.0 200 OK
X: [$shared] [$u] [$mine]]]></send>
<Global variables="extra"/>
`
	sc2, err := Options{Main: sc}.Parse([]byte(doc(ooc)), "ooc.xml")
	if err != nil {
		t.Fatal(err)
	}
	id := sc2.Vars.Resolve("shared")
	if v := sc2.Vars.List[id]; v.Scope != ScopeGlobal || v.Slot != 1 {
		t.Errorf("ooc shared = %+v", v)
	}
	if v := sc2.Vars.List[sc2.Vars.Resolve("u")]; v.Scope != ScopeUser || v.Slot != 0 {
		t.Errorf("ooc u = %+v", v)
	}
	if v := sc2.Vars.List[sc2.Vars.Resolve("extra")]; v.Scope != ScopeGlobal || v.Slot != 2 || sc2.Vars.Global != 3 {
		t.Errorf("ooc extra = %+v (globals %d)", v, sc2.Vars.Global)
	}
	if sc2.Vars.Call != 1 {
		t.Errorf("ooc call variables %d", sc2.Vars.Call)
	}
}

func TestCommandAttributes(t *testing.T) {
	body := `<Global variables="g"/>
<init>
  <label id="top"/>
  <nop display="init"><action><assign assign_to="g" value="1"/></action></nop>
  <nop next="top" test="g"/>
</init>
<send start_txn="inv" lost="12.5"><![CDATA[INVITE sip:x SIP/2.0]]></send>
<recv response="100" optional="global" response_txn="inv"/>
<recv response="1[0-9][0-9]" regexp_match="true" optional="true" advance_state="false" response_txn="inv"/>
<recv response="200" response_txn="inv" auth="true" next="end" test="g" chance="0.25">
  <action><log message="ok"/></action>
  <action><log message="ignored"/></action>
</recv>
<send ack_txn="inv"><![CDATA[ACK sip:x SIP/2.0]]></send>
<send><![CDATA[BYE sip:x SIP/2.0]]></send>
<recv response="200" condexec="g" condexec_inverse="true"/>
<pause variable="g"/>
<pause distribution="normal" mean="1000" stdev="100"/>
<pause gamma="1" k="2" theta="3" sanity_check="false"/>
<label id="end"/>
<recv request="INV" regexp_match="true"/>
<DefaultMessage id="bye"><![CDATA[
  BYE [next_url] SIP/2.0
  Call-ID: [call_id]
]]></DefaultMessage>
`
	sc, err := Parse([]byte(doc(body)), "c.xml")
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.Init) != 3 || sc.Init[0].Kind != KindLabel || sc.Init[1].Actions[0].Kind != ActionAssign || sc.Init[2].Next != 0 ||
		sc.Init[2].Test != sc.Vars.Resolve("g") || sc.Init[1].MsgIndex != 0 || sc.Init[2].MsgIndex != 1 || sc.Init[1].Display != "init" {
		t.Errorf("init %+v", sc.Init)
	}
	c := sc.Commands
	if !slices.Equal(sc.Transactions, []Transaction{{Name: "inv", Invite: true}}) {
		t.Errorf("transactions %+v", sc.Transactions)
	}
	if c[0].StartTxn != 0 || c[0].Lost != 12.5 || c[1].ResponseTxn != 0 || c[4].AckTxn != 0 {
		t.Errorf("txn: %+v %+v %+v", c[0], c[1], c[4])
	}
	// Requests of named transactions stay out of the CSeq method list.
	if c[6].ResponseMethodList != "BYE" || c[1].ResponseMethodList != "" {
		t.Errorf("method lists %q %q", c[1].ResponseMethodList, c[6].ResponseMethodList)
	}
	if !c[1].Optional || !c[1].OptionalGlobal {
		t.Errorf("optional global: %+v", c[1])
	}
	if r := c[2]; r.Response != 0 || r.Request != "" || r.Regexp == nil || !r.Regexp.MatchString("183") || r.Regexp.MatchString("200") || !r.NoAdvanceState {
		t.Errorf("response regexp: %+v", r)
	}
	if r := c[3]; !r.Auth || r.Next != 10 || r.Test != sc.Vars.Resolve("g") || r.Chance != 0.25 || len(r.Actions) != 1 || r.Lost != -1 {
		t.Errorf("200: %+v", r)
	}
	if r := c[6]; r.CondExec != sc.Vars.Resolve("g") || !r.CondExecInverse {
		t.Errorf("condexec: %+v", r)
	}
	if p := c[7]; p.PauseVar != sc.Vars.Resolve("g") || p.PauseFromFlag || p.PauseDist != nil {
		t.Errorf("pause variable: %+v", p)
	}
	if p := c[8]; p.PauseDist == nil || p.PauseDist.Kind != DistNormal || p.PauseDist.Mean != 1000 || p.PauseDist.Stdev != 100 || p.PauseFromFlag {
		t.Errorf("pause normal: %+v", p)
	}
	if p := c[9]; p.PauseDist == nil || p.PauseDist.Kind != DistGamma || p.PauseDist.K != 2 || p.PauseDist.Theta != 3 {
		t.Errorf("old style gamma pause: %+v", p)
	}
	if r := c[11]; r.Request != "INV" || !r.Regexp.MatchString("INVITE") || r.MsgIndex != 10 {
		t.Errorf("request regexp: %+v", r)
	}
	if !slices.Equal(sc.MsgCommands, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11}) || c[10].MsgIndex != 10 {
		t.Errorf("MsgCommands %v", sc.MsgCommands)
	}
	if m := sc.DefaultMessages["bye"]; m == nil || m.Method != "BYE" || m.String() != "BYE [next_url] SIP/2.0\r\nCall-ID: [call_id]\r\n\r\n" {
		t.Errorf("default bye %v", m)
	}
	found := false
	for _, w := range sc.Warnings {
		found = found || strings.HasPrefix(w.String(), "c.xml:13: a second <action> is ignored")
	}
	if !found {
		t.Errorf("no warning for the second <action>: %v", sc.Warnings)
	}
}

func TestThirdPCC(t *testing.T) {
	for _, tt := range []struct {
		name     string
		mode     Mode
		creation Mode
		role     ThirdPCC
	}{
		{"3pcc-C-A", ModeClient, ModeClient, ThirdPCCControllerA},
		{"3pcc-C-B", ModeClient, ModeServer, ThirdPCCControllerB},
		{"3pcc-A", ModeServer, ModeServer, ThirdPCCNone},
		{"uac", ModeClient, ModeClient, ThirdPCCNone},
		{"uas", ModeServer, ModeServer, ThirdPCCNone},
	} {
		sc, err := Builtin(tt.name)
		if err != nil {
			t.Fatal(err)
		}
		if sc.Mode != tt.mode || sc.Creation != tt.creation || sc.ThirdPCC != tt.role {
			t.Errorf("%s: mode %v creation %v 3pcc %v", tt.name, sc.Mode, sc.Creation, sc.ThirdPCC)
		}
	}
	sc, err := Parse([]byte(doc("<recv request=\"INVITE\"/>\n<sendCmd dest=\"s1\"><![CDATA[Call-ID: [call_id]\n[$1]]]></sendCmd>\n<recvCmd src=\"s1\" optional=\"true\"/>\n<recvCmd/>\n")), "p.xml")
	if err != nil {
		t.Fatal(err)
	}
	c := sc.Commands
	if sc.ThirdPCC != ThirdPCCAPassive || c[1].Kind != KindSendCmd || c[1].Peer != "s1" || c[2].Peer != "s1" || !c[2].Optional || c[3].Kind != KindRecvCmd {
		t.Errorf("%v %+v", sc.ThirdPCC, c)
	}
	// A sendCmd keeps no final line end of its own and has no start line.
	if m := c[1].Message; m.String() != "Call-ID: [call_id]\r\n[$1]\r\n\r\n" || m.Method != "" || m.Status != 0 {
		t.Errorf("sendCmd message %q", m.String())
	}
}

func TestDistributions(t *testing.T) {
	for _, tt := range []struct {
		d   Distribution
		p99 float64
	}{
		{Distribution{Kind: DistFixed, Value: 7}, 7},
		{Distribution{Kind: DistUniform, Min: 10, Max: 20}, 10 + 20*0.99}, // SIPp's formula
		{Distribution{Kind: DistNormal, Mean: 100, Stdev: 10}, 100 + 10*2.3263478740408408},
		{Distribution{Kind: DistLogNormal, Mean: 1, Stdev: 0.5}, math.Exp(1 + 0.5*2.3263478740408408)},
		{Distribution{Kind: DistExponential, Mean: 100}, 100 * math.Log(100)},
		{Distribution{Kind: DistWeibull, Lambda: 10, K: 2}, 10 * math.Sqrt(math.Log(100))},
		{Distribution{Kind: DistPareto, K: 2, XM: 5}, 50},
		{Distribution{Kind: DistGPareto, Shape: 0.5, Scale: 2, Location: 1}, 1 + 2*(math.Pow(0.99, -0.5)-1)/0.5},
		{Distribution{Kind: DistGamma, K: 1, Theta: 100}, 100 * math.Log(100)}, // Gamma(1) is exponential
		{Distribution{Kind: DistGamma, K: 3, Theta: 2}, 2 * 8.405940149353195},
		{Distribution{Kind: DistNegBin, N: 3, P: 0.5}, 0},
	} {
		if got := tt.d.Quantile(0.99); math.Abs(got-tt.p99) > 1e-6*math.Max(1, tt.p99) {
			t.Errorf("%v: Quantile(0.99) = %v, want %v", &tt.d, got, tt.p99)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, tt := range []struct {
		d    Distribution
		mean float64
	}{
		{Distribution{Kind: DistUniform, Min: 10, Max: 20}, 15},
		{Distribution{Kind: DistNormal, Mean: 100, Stdev: 10}, 100},
		{Distribution{Kind: DistLogNormal, Mean: 1, Stdev: 0.5}, math.Exp(1 + 0.125)},
		{Distribution{Kind: DistExponential, Mean: 50}, 50},
		{Distribution{Kind: DistWeibull, Lambda: 10, K: 1}, 10},
		{Distribution{Kind: DistPareto, K: 3, XM: 2}, 3},
		{Distribution{Kind: DistGamma, K: 3, Theta: 2}, 6},
		{Distribution{Kind: DistGamma, K: 0.5, Theta: 2}, 1},
		{Distribution{Kind: DistNegBin, N: 4, P: 0.2}, 16},
		{Distribution{Kind: DistNegBin, N: 100, P: 0.5}, 100},
	} {
		sum := 0.0
		const n = 20000
		for i := 0; i < n; i++ {
			sum += tt.d.Sample(r)
		}
		if got := sum / n; math.Abs(got-tt.mean) > 0.05*tt.mean {
			t.Errorf("%v: mean of samples %v, want about %v", &tt.d, got, tt.mean)
		}
	}
	if s := (&Distribution{Kind: DistNormal, Mean: 1, Stdev: 2}).String(); s != "N(1.000,2.000)" {
		t.Errorf("String %q", s)
	}
}

// TestPOSIXRegexp checks the translation against what glibc's regexec
// finds (the expected matches were taken from glibc).
func TestPOSIXRegexp(t *testing.T) {
	for _, tt := range []struct {
		expr, text string
		want       []string // nil: no match
	}{
		{`[\.]`, `a\b`, []string{`\`}},
		{`[\.]`, `a.b`, []string{`.`}},
		{`\d+`, "abc123ddd", []string{"ddd"}},
		{`[]a]`, "x]", []string{"]"}},
		{`[^]a]`, "]ab", []string{"b"}},
		{`[[]`, "[", []string{"["}},
		{`(a|ab)(c|bcd)`, "abcd", []string{"abcd", "a", "bcd"}},
		{"x.y", "x\ny", []string{"x\ny"}},
		{"^b", "a\nb", nil},
		{"a$", "a\nb", nil},
		{`a{,3}`, "aaaa", []string{"aaa"}},
		{`a{2}{3}`, "aaaaaaa", []string{"aaaaaa"}},
		{`a**`, "aaa", []string{"aaa"}},
		{`ab{1,2}?`, "abbb", []string{"abb"}},
		{`a)`, "a)", []string{"a)"}},
		{`\w+`, "ab_c!", []string{"ab_c"}},
		{`Content-Type:.*`, "X: 1\r\nContent-Type: a/b\r\n\r\nv=0\r\n", []string{"Content-Type: a/b\r\n\r\nv=0\r\n"}},
		{`o=([[:alnum:]]*) ([[:alnum:]]*)`, "o=user1 5365 23", []string{"o=user1 5365", "user1", "5365"}},
		{`\n`, "n", []string{"n"}},
		{`é+`, "aéé", []string{"éé"}},
		{`x|y*`, "zy", []string{""}},
	} {
		r, err := compilePOSIX(tt.expr)
		if err != nil {
			t.Errorf("%q: %v", tt.expr, err)
			continue
		}
		if got := r.re.FindStringSubmatch(tt.text); !slices.Equal(got, tt.want) {
			t.Errorf("%q on %q = %q, want %q (Go %q)", tt.expr, tt.text, got, tt.want, r.re)
		}
	}
	for _, expr := range []string{`(a`, `[a`, `a{`, `a{x}`, `a{3,1}`, `*a`, `a|*b`, `(?:a)`, `^*a`, `+a`, `[[:foo:]]`, `a\`, `(a)\1`, `\<a`, `[[=a=]]`} {
		if _, err := compilePOSIX(expr); err == nil {
			t.Errorf("%q compiled, want an error", expr)
		}
	}
	if r, _ := compilePOSIX(`\d`); len(r.warnings) != 1 || !strings.Contains(r.warnings[0], `"\d" in a POSIX regular expression is the character "d"`) {
		t.Errorf(`\d warnings %q`, r.warnings)
	}
}

func TestHelpers(t *testing.T) {
	sc, err := Parse([]byte(doc(`<Global variables="a,b"/>
<send><![CDATA[INVITE sip:[$a]@[$b] SIP/2.0]]></send>
<pause/>
<pause milliseconds="1500"/>
<pause distribution="uniform" min="100" max="200"/>
<pause variable="a"/>
`)), "h.xml")
	if err != nil {
		t.Fatal(err)
	}
	if id, err := sc.Vars.LookupGlobal("b"); err != nil || sc.Vars.Name(id) != "b" {
		t.Errorf("LookupGlobal(b) = %v, %v", id, err)
	}
	if _, err := sc.Vars.LookupGlobal("c"); err == nil || err.Error() != `cannot set global variable "c": the scenario's <Global> variables are a, b` {
		t.Errorf("LookupGlobal(c) = %v", err)
	}
	// -d 2 s + 1.5 s + (100 + 200*0.99, SIPp's uniform quantile) ms.
	if got, want := sc.CallLength(2*time.Second), 3500*time.Millisecond+298*time.Millisecond; got != want {
		t.Errorf("CallLength = %v, want %v", got, want)
	}

	// An out-of-call built-in loads like any scenario, with the main
	// scenario's globals.
	ooc, err := Options{Main: sc}.Builtin("ooc_default")
	if err != nil {
		t.Fatal(err)
	}
	if ooc.Mode != ModeServer || ooc.Vars.Global != 2 || ooc.Commands[0].Regexp == nil || !ooc.Commands[0].Regexp.MatchString("NOTIFY") {
		t.Errorf("ooc_default: mode %v globals %d %+v", ooc.Mode, ooc.Vars.Global, ooc.Commands[0])
	}

	// A sendCmd or DefaultMessage text keeps no final line end of its own.
	if got, _, _ := cleanMessage("a: b\n\nbody\n  ", false); got != "a: b\n\nbody" {
		t.Errorf("cleanMessage without keepFinalNL = %q", got)
	}
}

func TestVariableNameBlanks(t *testing.T) {
	sc, err := Parse([]byte(doc("<Global variables=\"a, b\"/>\n<send><![CDATA[INVITE sip:[$a][$ b] SIP/2.0]]></send>\n")), "b.xml")
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.Warnings) != 1 || sc.Warnings[0].String() != `b.xml:2: variables on <Global> names variable " b", blanks included (SIPp splits at commas only)` {
		t.Errorf("warnings %v", sc.Warnings)
	}
	if sc.Vars.Lookup(" b", ScopeGlobal) == NoVar || sc.Vars.Lookup("b", ScopeGlobal) != NoVar {
		t.Error(`"a, b" must declare "a" and " b", as SIPp does`)
	}
}

// TestRxInjectionFiles: an -rxinf file is known to [fieldN file=] but is
// never the default file of [fieldN] (SIPp 3.6 keeps it apart from the
// -inf default).
func TestRxInjectionFiles(t *testing.T) {
	send := func(kw string) string {
		return doc("<send><![CDATA[INVITE sip:" + kw + " SIP/2.0]]></send>\n")
	}
	rxOnly := Options{RxInjectionFiles: []string{"dir/rx.csv"}}
	if _, err := rxOnly.Parse([]byte(send("[field0]")), "t.xml"); err == nil ||
		err.Error() != "t.xml:2: keyword [field0] without file= reads the first -inf file, and only -rxinf files were given: name one with file=" {
		t.Errorf("[field0] with only -rxinf: %v", err)
	}
	sc, err := rxOnly.Parse([]byte(send(`[field1 file="rx.csv"]`)), "t.xml")
	if err != nil {
		t.Fatal(err)
	}
	both := Options{InjectionFiles: []string{"inf.csv"}, RxInjectionFiles: []string{"rx.csv"}}
	sc2, err := both.Parse([]byte(send("[field0]")), "t.xml")
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, s := range []*Scenario{sc, sc2} {
		for _, op := range s.Commands[0].Message.Ops {
			if op.Kind == OpField {
				files = append(files, op.File)
			}
		}
	}
	if strings.Join(files, ",") != "rx.csv,inf.csv" {
		t.Errorf("field files %q, want rx.csv (file=) and inf.csv (the -inf default)", files)
	}
}
