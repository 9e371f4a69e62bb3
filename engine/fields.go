package engine

import (
	"fmt"

	"github.com/gossip-sip/gossip/engine/inject"
	"github.com/gossip-sip/gossip/scenario"
)

// Injection files (-inf): each call draws one line per file when it
// starts (inject.Set.NextLines), kept in its slot of the slab; [fieldN]
// renders a field of that line, or of the line its line= gives; the
// lookup action finds a line by an -infindex field.

// initFields checks the scenario's [fieldN] keywords against the -inf
// files and maps file names to set indexes.
func (e *Engine) initFields() error {
	set := e.cfg.Inject
	if set == nil {
		if e.scn.UsesFeature(scenario.OpFeature(scenario.OpField)) || e.scn.UsesFeature(scenario.ActionFeature(scenario.ActionLookup)) {
			return fmt.Errorf("%w: the scenario uses injection files ([fieldN] or <lookup>) but no -inf file is given", ErrConfig)
		}
		return nil
	}
	if e.scn.UsesFeature(scenario.ActionFeature(scenario.ActionInsert)) || e.scn.UsesFeature(scenario.ActionFeature(scenario.ActionReplace)) {
		set.SetMutable() // <insert> and <replace> change the files while calls read them
	}
	e.fieldFile = make(map[string]int, set.Len())
	for i := 0; i < set.Len(); i++ {
		e.fieldFile[set.File(i).Name()] = i
	}
	if e.cfg.Users > 0 {
		return set.CheckUsers(e.cfg.Users)
	}
	return nil
}

// drawLines chooses a new call's line in every -inf file.
func (s *shard) drawLines(c *call) {
	set := s.e.cfg.Inject
	if set == nil || s.calls.nInf == 0 {
		return
	}
	lines := s.calls.lines(c.slot)
	if _, err := set.NextLines(lines[:0], c.number-1, int(s.userOf(c)), s.random()); err != nil {
		s.event("%v", err)
	}
}

// appendField renders [fieldN file= line=] for call c.
func (s *shard) appendField(dst []byte, c *call, cmdIdx int, op *scenario.Op) []byte {
	set := s.e.cfg.Inject
	if set == nil {
		return dst
	}
	fi := 0
	if op.File != "" {
		i, ok := s.e.fieldFile[op.File]
		if !ok {
			return dst
		}
		fi = i
	}
	var line int
	if op.Line != nil {
		s.lang.line = s.renderTemplate(s.lang.line[:0], c, cmdIdx, op.Line)
		l, err := inject.ParseLine(s.lang.line)
		if err != nil {
			return dst
		}
		line = l
	} else {
		lines := s.calls.lines(c.slot)
		if fi >= len(lines) {
			return dst
		}
		line = int(lines[fi])
	}
	dst, _ = set.File(fi).AppendField(dst, line, op.Field)
	return dst
}

// lookup runs <lookup assign_to= file= key=>: the line whose -infindex
// field is key, -1 when none is.
func (s *shard) lookup(c *call, idx int32, a *scenario.Action) {
	set := s.e.cfg.Inject
	if set == nil || len(a.Args) < 2 {
		return
	}
	l := &s.lang
	l.buf = s.renderTemplate(l.buf[:0], c, int(idx), a.Args[0])
	l.line = s.renderTemplate(l.line[:0], c, int(idx), a.Args[1])
	n, err := set.Lookup(l.buf, l.line)
	if err != nil {
		s.event("%v", err)
	}
	s.setVar(c, a.AssignTo, scenario.VarDouble, nil, float64(n))
}

// injectFiles is the number of -inf files.
func injectFiles(set *inject.Set) int {
	if set == nil {
		return 0
	}
	return set.Len()
}

// insertOrReplace runs <insert file= value=> and <replace file= line=
// value=>: SIPp changes the injection file in memory for the rest of the
// run; a file it does not know, a bad line or a PRINTF file end the run.
func (s *shard) insertOrReplace(c *call, idx int32, a *scenario.Action) {
	set := s.e.cfg.Inject
	l := &s.lang
	if set == nil {
		s.e.fatal(fmt.Errorf("%w: %s:%d: <%s> needs an -inf file", ErrScenarioError, s.e.scn.Source, a.Line, a.Kind))
		return
	}
	l.buf = s.renderTemplate(l.buf[:0], c, int(idx), a.Args[0])
	var err error
	if a.Kind == scenario.ActionInsert {
		l.line = s.renderTemplate(l.line[:0], c, int(idx), a.Args[1])
		err = set.Insert(l.buf, l.line)
	} else {
		l.line = s.renderTemplate(l.line[:0], c, int(idx), a.Args[1])
		n, ok := cStrtod(l.line)
		if !ok {
			s.e.fatal(fmt.Errorf("%w: %s:%d: invalid line number for replace: %s", ErrScenarioError, s.e.scn.Source, a.Line, l.line))
			return
		}
		l.val = s.renderTemplate(l.val[:0], c, int(idx), a.Args[2])
		err = set.Replace(l.buf, int(n), l.val)
	}
	if err != nil {
		s.e.fatal(fmt.Errorf("%w: %s:%d: %w", ErrScenarioError, s.e.scn.Source, a.Line, err))
	}
}
