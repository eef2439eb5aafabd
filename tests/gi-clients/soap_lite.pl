#!/usr/bin/perl
# A GenericTicketConnectorSOAP requester written with SOAP::Lite, in the style of the OTRS admin
# manual's example: SessionCreate, TicketCreate with an Article, TicketUpdate (state, queue and an
# Article), TicketGet with AllArticles, TicketSearch by Title. Dies with a clear message on a
# fault, a business error or a missing key.
#
# usage: soap_lite.pl URL NAMESPACE LOGIN PASSWORD
# Prints `created TicketID <id>` once the ticket exists.
use strict;
use warnings;
use SOAP::Lite;

$| = 1;

my ( $URL, $NameSpace, $UserLogin, $Password ) = @ARGV;
die "usage: $0 URL NAMESPACE LOGIN PASSWORD\n" unless defined $Password;

my $SOAP = SOAP::Lite->proxy( $URL, timeout => 30 )->uri($NameSpace);

# One operation: the answer's <OperationResponse> as a hash, or death with the reason.
sub Call {
    my ( $Operation, @Params ) = @_;
    my $SOM = eval { $SOAP->call( $Operation => @Params ) };
    die "$Operation: transport error: $@" if $@;
    die "$Operation: no answer (HTTP " . $SOAP->transport->status . ")\n" unless $SOM;
    die "$Operation: SOAP fault " . $SOM->faultcode . ': ' . $SOM->faultstring . "\n" if $SOM->fault;
    my $Body = $SOM->body;
    die "$Operation: no ${Operation}Response element in the answer\n"
        unless ref $Body eq 'HASH' && exists $Body->{"${Operation}Response"};
    my $Response = $Body->{"${Operation}Response"};
    die "$Operation: empty ${Operation}Response\n" unless ref $Response eq 'HASH';
    if ( my $Error = $Response->{Error} ) {
        die "$Operation: business error $Error->{ErrorCode}: $Error->{ErrorMessage}\n";
    }
    return $Response;
}

sub Need {
    my ( $Operation, $Hash, $Key ) = @_;
    die "$Operation: the answer has no $Key\n"
        unless defined $Hash->{$Key} && $Hash->{$Key} ne '';
    return $Hash->{$Key};
}

# A list in SOAP answers: repeated elements are an array, a single one is not.
sub List { my $Value = shift; return ref $Value eq 'ARRAY' ? @{$Value} : ( $Value // () ) }

my $Title = 'SOAP::Lite ticket ' . time . "-$$";

my $Session = Call(
    'SessionCreate',
    SOAP::Data->name( UserLogin => $UserLogin ),
    SOAP::Data->name( Password  => $Password ),
);
my $SessionID = Need( 'SessionCreate', $Session, 'SessionID' );
print "SessionCreate: ok\n";

my $Created = Call(
    'TicketCreate',
    SOAP::Data->name( SessionID => $SessionID ),
    SOAP::Data->name(
        Ticket => \SOAP::Data->value(
            SOAP::Data->name( Title        => $Title ),
            SOAP::Data->name( Queue        => 'Raw' ),
            SOAP::Data->name( State        => 'new' ),
            SOAP::Data->name( Priority     => '3 normal' ),
            SOAP::Data->name( CustomerUser => 'soap-customer@example.com' ),
        )
    ),
    SOAP::Data->name(
        Article => \SOAP::Data->value(
            SOAP::Data->name( Subject  => 'First article over SOAP' ),
            SOAP::Data->name( Body     => 'Created by SOAP::Lite' ),
            SOAP::Data->name( MimeType => 'text/plain' ),
            SOAP::Data->name( Charset  => 'utf8' ),
        )
    ),
);
my $TicketID = Need( 'TicketCreate', $Created, 'TicketID' );
Need( 'TicketCreate', $Created, $_ ) for qw(TicketNumber ArticleID);
print "TicketCreate: ok\ncreated TicketID $TicketID\n";

my $Updated = Call(
    'TicketUpdate',
    SOAP::Data->name( SessionID => $SessionID ),
    SOAP::Data->name( TicketID  => $TicketID ),
    SOAP::Data->name(
        Ticket => \SOAP::Data->value(
            SOAP::Data->name( State => 'open' ),
            SOAP::Data->name( Queue => 'Misc' ),
        )
    ),
    SOAP::Data->name(
        Article => \SOAP::Data->value(
            SOAP::Data->name( Subject  => 'Second article over SOAP' ),
            SOAP::Data->name( Body     => 'Updated by SOAP::Lite' ),
            SOAP::Data->name( MimeType => 'text/plain' ),
            SOAP::Data->name( Charset  => 'utf8' ),
        )
    ),
);
die "TicketUpdate: TicketID $Updated->{TicketID}, expected $TicketID\n"
    unless Need( 'TicketUpdate', $Updated, 'TicketID' ) eq $TicketID;
Need( 'TicketUpdate', $Updated, 'ArticleID' );
print "TicketUpdate: ok\n";

my $Got = Call(
    'TicketGet',
    SOAP::Data->name( SessionID   => $SessionID ),
    SOAP::Data->name( TicketID    => $TicketID ),
    SOAP::Data->name( AllArticles => 1 ),
);
my ($Ticket) = List( Need( 'TicketGet', $Got, 'Ticket' ) );
die "TicketGet: Title '$Ticket->{Title}', expected '$Title'\n" unless $Ticket->{Title} eq $Title;
die "TicketGet: State '$Ticket->{State}', expected 'open'\n"   unless $Ticket->{State} eq 'open';
die "TicketGet: Queue '$Ticket->{Queue}', expected 'Misc'\n"   unless $Ticket->{Queue} eq 'Misc';
my @Articles = List( Need( 'TicketGet', $Ticket, 'Article' ) );
die 'TicketGet: ' . scalar(@Articles) . " articles, expected 2\n" unless @Articles == 2;
my $Bodies = join ' | ', sort map { $_->{Body} // 'undef' } @Articles;
die "TicketGet: article bodies '$Bodies'\n"
    unless $Bodies eq 'Created by SOAP::Lite | Updated by SOAP::Lite';
print "TicketGet: ok (2 articles)\n";

my $Found = Call(
    'TicketSearch',
    SOAP::Data->name( SessionID => $SessionID ),
    SOAP::Data->name( Title     => "*$Title*" ),
);
my @IDs = List( Need( 'TicketSearch', $Found, 'TicketID' ) );
die "TicketSearch: found (@IDs), expected ($TicketID)\n"
    unless @IDs == 1 && $IDs[0] eq $TicketID;
print "TicketSearch: ok\n";

# As OTOBO answers: oldest first, each with the Subject and Body it was sent with, SenderType
# `agent` for an agent's requests.
my $Seen = join ' | ', map { join ', ', map { $_ // 'undef' } @{$_}{qw(Subject Body SenderType)} } @Articles;
my $Want = 'First article over SOAP, Created by SOAP::Lite, agent'
    . ' | Second article over SOAP, Updated by SOAP::Lite, agent';
die "TicketGet: articles (Subject, Body, SenderType) are '$Seen', expected '$Want'\n"
    unless $Seen eq $Want;
print "TicketGet articles as OTOBO answers them: ok\n";
