package scenario

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"time"
)

// DistKind is a statistical distribution of pause durations and of the
// <sample> action, as SIPp offers them (its GSL-based ones included).
type DistKind uint8

const (
	DistFixed       DistKind = iota + 1 // Value
	DistUniform                         // Min, Max
	DistNormal                          // Mean, Stdev
	DistLogNormal                       // Mean, Stdev of the underlying normal: exp(N(Mean, Stdev))
	DistExponential                     // Mean
	DistWeibull                         // Lambda (scale), K (shape)
	DistPareto                          // K (shape), XM (scale x_m)
	DistGPareto                         // Shape, Scale, Location (generalized Pareto)
	DistGamma                           // K (shape), Theta (scale)
	DistNegBin                          // N (successes), P (probability)
)

// Distribution is a parsed distribution= with its parameters. Values are
// milliseconds for pauses.
type Distribution struct {
	Kind DistKind

	Value    float64 // fixed
	Min, Max float64 // uniform
	Mean     float64 // normal, lognormal, exponential
	Stdev    float64 // normal, lognormal
	Lambda   float64 // weibull
	K        float64 // weibull, pareto, gamma
	XM       float64 // pareto (attribute x_m)
	Shape    float64 // gpareto
	Scale    float64 // gpareto
	Location float64 // gpareto
	Theta    float64 // gamma
	N, P     float64 // negbin
}

// distNames maps distribution= values to kinds.
var distNames = map[string]DistKind{
	"fixed": DistFixed, "uniform": DistUniform, "normal": DistNormal, "lognormal": DistLogNormal,
	"exponential": DistExponential, "weibull": DistWeibull, "pareto": DistPareto, "gpareto": DistGPareto,
	"gamma": DistGamma, "negbin": DistNegBin,
}

// String returns the distribution= spelling of the kind.
func (k DistKind) String() string {
	for name, kk := range distNames {
		if kk == k {
			return name
		}
	}
	return "DistKind(" + strconv.Itoa(int(k)) + ")"
}

// String describes the distribution as SIPp's screen does, e.g.
// "N(100.000,10.000)".
func (d *Distribution) String() string {
	switch d.Kind {
	case DistFixed:
		return fmt.Sprintf("%f", d.Value)
	case DistUniform:
		return fmt.Sprintf("%f/%f", d.Min, d.Max)
	case DistNormal:
		return fmt.Sprintf("N(%.3f,%.3f)", d.Mean, d.Stdev)
	case DistLogNormal:
		return fmt.Sprintf("LN(%.3f,%.3f)", d.Mean, d.Stdev)
	case DistExponential:
		return fmt.Sprintf("Exp(%f)", d.Mean)
	case DistWeibull:
		return fmt.Sprintf("Wb(%.3f,%.3f)", d.Lambda, d.K)
	case DistPareto:
		return fmt.Sprintf("P(%.3f,%.3f)", d.K, d.XM)
	case DistGPareto:
		return fmt.Sprintf("P(%.3f,%.3f,%.3f)", d.Shape, d.Scale, d.Location)
	case DistGamma:
		return fmt.Sprintf("G(%.3f,%.3f)", d.K, d.Theta)
	case DistNegBin:
		return fmt.Sprintf("NB(%.3f,%.3f)", d.P, d.N)
	}
	return d.Kind.String()
}

// Quantile is SIPp's inverse distribution function, quirks included:
// SIPp uses it for sanity_check (the 0.99 quantile of a pause must not
// exceed 2^31-1 ms) and to estimate the call length. For uniform it is
// Min + Max*p (not Min + (Max-Min)*p) and for negbin 0, as in SIPp.
func (d *Distribution) Quantile(p float64) float64 {
	switch d.Kind {
	case DistFixed:
		return d.Value
	case DistUniform:
		return d.Min + d.Max*p
	case DistNormal:
		return d.Mean + d.Stdev*normalQuantile(p)
	case DistLogNormal:
		return math.Exp(d.Mean + d.Stdev*normalQuantile(p))
	case DistExponential:
		return -d.Mean * math.Log1p(-p)
	case DistWeibull:
		return d.Lambda * math.Pow(-math.Log1p(-p), 1/d.K)
	case DistPareto:
		return d.XM * math.Pow(1-p, -1/d.K)
	case DistGPareto:
		return d.Location + d.Scale*(math.Pow(p, -d.Shape)-1)/d.Shape
	case DistGamma:
		return d.Theta * gammaQuantile(d.K, p)
	}
	return 0
}

// Sample draws one value, with the same definitions as SIPp's GSL
// samplers (gpareto by inverting its Quantile, as SIPp does). negbin is
// the number of failures before N successes of probability P (SIPp
// passes GSL its two parameters swapped; gossip does not).
func (d *Distribution) Sample(r *rand.Rand) float64 {
	switch d.Kind {
	case DistFixed:
		return d.Value
	case DistUniform:
		return d.Min + r.Float64()*(d.Max-d.Min)
	case DistNormal:
		return d.Mean + d.Stdev*r.NormFloat64()
	case DistLogNormal:
		return math.Exp(d.Mean + d.Stdev*r.NormFloat64())
	case DistExponential:
		return d.Mean * r.ExpFloat64()
	case DistWeibull:
		return d.Lambda * math.Pow(r.ExpFloat64(), 1/d.K)
	case DistPareto:
		return d.XM * math.Pow(1-r.Float64(), -1/d.K)
	case DistGPareto:
		return d.Quantile(1 - r.Float64())
	case DistGamma:
		return d.Theta * sampleGamma(r, d.K)
	case DistNegBin:
		if d.P <= 0 || d.P > 1 || d.N <= 0 {
			return 0
		}
		return samplePoisson(r, sampleGamma(r, d.N)*(1-d.P)/d.P)
	}
	return 0
}

// normalQuantile is the standard normal inverse CDF.
func normalQuantile(p float64) float64 { return math.Sqrt2 * math.Erfinv(2*p-1) }

// gammaQuantile inverts the regularized lower incomplete gamma function
// P(a, x) = p by bisection (scale 1).
func gammaQuantile(a, p float64) float64 {
	if a <= 0 || p <= 0 {
		return 0
	}
	if p >= 1 {
		return math.Inf(1)
	}
	lo, hi := 0.0, math.Max(1, a)
	for gammaP(a, hi) < p {
		hi *= 2
		if hi > 1e300 {
			return math.Inf(1)
		}
	}
	for i := 0; i < 200 && hi-lo > 1e-12*hi; i++ {
		mid := (lo + hi) / 2
		if gammaP(a, mid) < p {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}

// gammaP is the regularized lower incomplete gamma function (series for
// x < a+1, continued fraction otherwise).
func gammaP(a, x float64) float64 {
	if x <= 0 {
		return 0
	}
	lg, _ := math.Lgamma(a)
	if x < a+1 {
		sum, term := 1/a, 1/a
		for n := 1; n < 1000; n++ {
			term *= x / (a + float64(n))
			sum += term
			if math.Abs(term) < math.Abs(sum)*1e-15 {
				break
			}
		}
		return sum * math.Exp(-x+a*math.Log(x)-lg)
	}
	// Lentz's continued fraction for Q(a, x).
	const tiny = 1e-300
	b := x + 1 - a
	c := 1 / tiny
	d := 1 / b
	h := d
	for i := 1; i < 1000; i++ {
		an := -float64(i) * (float64(i) - a)
		b += 2
		d = an*d + b
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = b + an/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		del := d * c
		h *= del
		if math.Abs(del-1) < 1e-15 {
			break
		}
	}
	return 1 - math.Exp(-x+a*math.Log(x)-lg)*h
}

// sampleGamma draws from Gamma(a, 1) (Marsaglia and Tsang).
func sampleGamma(r *rand.Rand, a float64) float64 {
	if a <= 0 {
		return 0
	}
	if a < 1 {
		return sampleGamma(r, a+1) * math.Pow(r.Float64(), 1/a)
	}
	d := a - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := r.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := r.Float64()
		if u < 1-0.0331*x*x*x*x || math.Log(u) < 0.5*x*x+d*(1-v+math.Log(v)) {
			return d * v
		}
	}
}

// samplePoisson draws from Poisson(lambda): multiplication for small
// means, Hörmann's transformed rejection (PTRS) for large ones.
func samplePoisson(r *rand.Rand, lambda float64) float64 {
	if lambda <= 0 {
		return 0
	}
	if lambda < 10 {
		l, k, p := math.Exp(-lambda), 0.0, r.Float64()
		for p > l {
			k++
			p *= r.Float64()
		}
		return k
	}
	slam, loglam := math.Sqrt(lambda), math.Log(lambda)
	b := 0.931 + 2.53*slam
	a := -0.059 + 0.02483*b
	invalpha := 1.1239 + 1.1328/(b-3.4)
	vr := 0.9277 - 3.6224/(b-2)
	for {
		u := r.Float64() - 0.5
		v := r.Float64()
		us := 0.5 - math.Abs(u)
		k := math.Floor((2*a/us+b)*u + lambda + 0.43)
		if us >= 0.07 && v <= vr {
			return k
		}
		if k < 0 || (us < 0.013 && v > us) {
			continue
		}
		lg, _ := math.Lgamma(k + 1)
		if math.Log(v)+math.Log(invalpha)-math.Log(a/(us*us)+b) <= -lambda+k*loglam-lg {
			return k
		}
	}
}

// distribution reads a distribution from an element's attributes, as
// SIPp's parse_distribution does. With oldStyle (pauses), an element
// without distribution= may name its kind by carrying one of the
// attributes normal, exponential, lognormal, weibull, pareto, gamma, min,
// max (in that order), or give milliseconds=; it returns nil when none of
// these is present (the pause uses -d).
func (p *parser) distribution(a *attrs, oldStyle bool) (*Distribution, error) {
	name, ok := a.get("distribution")
	if !ok {
		if !oldStyle {
			return nil, a.errorf(ErrBadAttribute, "<%s> needs a distribution attribute", a.elem)
		}
		for _, s := range []string{"normal", "exponential", "lognormal", "weibull", "pareto", "gamma"} {
			if a.has(s) {
				name = s
				break
			}
		}
		if name == "" && (a.has("min") || a.has("max")) {
			name = "uniform"
		}
		if name == "" {
			f, ok, err := a.float("milliseconds")
			if err != nil || !ok {
				return nil, err
			}
			return &Distribution{Kind: DistFixed, Value: f}, nil
		}
	}
	if oldStyle {
		a.ignore("milliseconds", "distribution="+strconv.Quote(name)+" gives the duration")
	}
	kind, known := distNames[name]
	if !known {
		return nil, a.bad("distribution", name, "unknown distribution (want fixed, uniform, normal, lognormal, exponential, weibull, pareto, gpareto, gamma or negbin)")
	}
	d := &Distribution{Kind: kind}
	var err error
	need := func(attr string, dst *float64) {
		if err != nil {
			return
		}
		v, e := a.required(attr)
		if e != nil {
			err = a.errorf(ErrBadAttribute, "distribution=%q on <%s> needs a %s attribute", name, a.elem, attr)
			return
		}
		f, e := cDouble(v)
		if e != nil {
			err = a.bad(attr, v, e.Error())
			return
		}
		*dst = f
	}
	switch kind {
	case DistFixed:
		need("value", &d.Value)
	case DistUniform:
		need("min", &d.Min)
		need("max", &d.Max)
	case DistNormal, DistLogNormal:
		need("mean", &d.Mean)
		need("stdev", &d.Stdev)
	case DistExponential:
		need("mean", &d.Mean)
	case DistWeibull:
		need("lambda", &d.Lambda)
		need("k", &d.K)
	case DistPareto:
		need("k", &d.K)
		need("x_m", &d.XM)
	case DistGPareto:
		need("shape", &d.Shape)
		need("scale", &d.Scale)
		need("location", &d.Location)
	case DistGamma:
		need("k", &d.K)
		need("theta", &d.Theta)
	case DistNegBin:
		need("n", &d.N)
		need("p", &d.P)
	}
	if err != nil {
		return nil, err
	}
	return d, nil
}

// CallLength is SIPp's estimate of a call's length, which it uses for the
// default -l: the sum over the scenario's pauses of their 0.99 quantile
// (the value of a fixed pause, defaultPause (-d) for a pause without
// duration, nothing for a pause taken from a variable).
func (s *Scenario) CallLength(defaultPause time.Duration) time.Duration {
	var ms float64
	for _, c := range s.Commands {
		if c.Kind != KindPause {
			continue
		}
		switch {
		case c.PauseDist != nil:
			if q := c.PauseDist.Quantile(0.99); q > 0 {
				ms += math.Trunc(math.Min(q, maxMillis))
			}
		case c.PauseFromFlag:
			ms += float64(defaultPause.Milliseconds())
		case c.PauseVar == NoVar:
			ms += float64(c.Pause.Milliseconds())
		}
	}
	return time.Duration(ms * float64(time.Millisecond))
}
